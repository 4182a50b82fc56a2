"""What the browser tests share: one JSON line per check, headless Chromium, screen sizes, and
the accessibility checks run on every screen (WCAG AA contrast, 44 px targets, no sideways
scrolling at 320 px). Imported by browser_visitor.py and browser_incidents.py; run with Debian's
/usr/bin/python3 (python3-selenium, chromium, chromium-driver).
"""
import json
import os
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

failures = 0


def check(name, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    print(json.dumps({"check": name, "ok": bool(ok), "detail": str(detail)[:500]}), flush=True)
    return ok


def failure_count():
    return failures


def start_browser(network_log=False, prefs=None):
    """Headless Chromium; with network_log, Chrome's performance log records every request and
    WebSocket frame the page makes (driver.get_log("performance")); `prefs` are Chromium
    preferences (e.g. {"webkit.webprefs.default_font_size": 32} for text at 200 %)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    logs = {"browser": "ALL"}
    if network_log:
        logs["performance"] = "ALL"
    options.set_capability("goog:loggingPrefs", logs)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def size(driver, width, height):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


# WCAG AA for every visible piece of text: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
CONTRAST = """
function channel(c) { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }
function luminance(rgb) { return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]); }
function parse(color) { var m = color.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : m.concat([1]); }
function background(element) {
  for (; element; element = element.parentElement) {
    var color = parse(getComputedStyle(element).backgroundColor);
    if (color[3] > 0) return color;
  }
  return [255, 255, 255, 1];
}
var problems = [];
document.querySelectorAll('body *').forEach(function (element) {
  var own = Array.prototype.some.call(element.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
  if (!own || !element.offsetParent || element.closest('.visually-hidden')) return;
  var style = getComputedStyle(element), size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  var a = luminance(parse(style.color)), b = luminance(background(element));
  var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  var needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < needed) problems.push(element.tagName + '#' + element.id + '.' + element.className + ' ' + ratio.toFixed(2));
});
return problems;
"""

SMALL_TARGETS = """
return Array.prototype.filter.call(document.querySelectorAll('button, a[href], input, textarea'), function (e) {
  var box = e.getBoundingClientRect();
  return e.offsetParent && (box.height < 44 || box.width < 24);
}).map(function (e) { return e.tagName + '#' + e.id; });
"""


def shoot(driver, directory, name, scroll_to=None):
    """The current screen at a laptop's and a phone's size (scrolled to the element `scroll_to`, if
    given); at 320 px wide (what 200% zoom on a 640 px window gives) nothing may need sideways
    scrolling; contrast and touch targets are checked."""
    for width, height in ((1280, 800), (360, 740)):
        size(driver, width, height)
        time.sleep(0.2)
        if scroll_to:
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", scroll_to)
        driver.save_screenshot(os.path.join(directory, "%s-%dx%d.png" % (name, width, height)))
    check(name + ": text contrast meets WCAG AA", not driver.execute_script(CONTRAST), driver.execute_script(CONTRAST))
    check(name + ": touch targets are at least 44 px tall", not driver.execute_script(SMALL_TARGETS),
          driver.execute_script(SMALL_TARGETS))
    size(driver, 320, 640)
    time.sleep(0.2)
    overflow = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    check(name + ": at 320 px wide nothing scrolls sideways", overflow[0] <= overflow[1], overflow)
    size(driver, 360, 740)


def press(driver, element):
    """Taps an element (an id or a WebElement), scrolled to the middle of the screen first so that
    the sticky Quick exit bar is not in the way."""
    if isinstance(element, str):
        element = driver.find_element(By.ID, element)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def choose(driver, element_id):
    """Ticks a checkbox or radio button by its label, as a finger would."""
    press(driver, driver.find_element(By.CSS_SELECTOR, "label[for='%s']" % element_id))


def wait(driver, condition, seconds=20):
    try:
        WebDriverWait(driver, seconds, poll_frequency=0.1).until(lambda d: condition(d))
        return True
    except TimeoutException:
        return False


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).get_attribute("textContent")


def visible(driver, element_id):
    return driver.find_element(By.ID, element_id).is_displayed()


def storage(driver):
    return driver.execute_script(
        "return {local: localStorage.length, session: sessionStorage.length, cookie: document.cookie}")
