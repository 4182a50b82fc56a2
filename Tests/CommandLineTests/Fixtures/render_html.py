#!/usr/bin/env python3
"""Renders a local HTML file in headless Chromium and saves a full-page PNG, for a person to look at.

Usage: render_html.py FILE.html OUT.png
Prints one JSON line: {"ok": bool, "requests": [...], "width": n, "height": n}. "requests" lists every
resource the page loaded other than the file itself: a self-contained report loads none.
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

source, target = sys.argv[1], sys.argv[2]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.set_window_size(1000, 800)
    driver.get("file://" + source)
    requests = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1000, min(max(height + 100, 800), 12000))
    driver.save_screenshot(target)
    print(json.dumps({"ok": True, "requests": requests, "width": width, "height": height}))
finally:
    driver.quit()
