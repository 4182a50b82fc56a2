#!/usr/bin/python3
"""The visitor page loaded from a .onion origin over plain http, as Tor Browser visitors see it.

  browser_onion.py ONION_BASE_URL tor-browser|chromium

These machines cannot reach the Tor network, so Chromium maps every .onion name to 127.0.0.1
(--host-resolver-rules) where the relay listens: the page, its files and its WebSocket then
have the origin http://NAME.onion:PORT, as through an onion service. With tor-browser, Chromium
treats that origin as a secure context (--unsafely-treat-insecure-origin-as-secure), as Tor
Browser does for every .onion page; with chromium it does not (an ordinary http page). Either way
a chat must open and a message be stored. One JSON line per check; exit 1 if any failed.
Run with Debian's /usr/bin/python3 (python3-selenium, chromium, chromium-driver).
"""
import json
import sys
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, size, text, visible, wait  # noqa: E402

BASE, MODE = sys.argv[1].rstrip("/"), sys.argv[2]
SECURE = MODE == "tor-browser"
MESSAGE = "Hello from an onion origin"


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--host-resolver-rules=MAP *.onion 127.0.0.1"):
        options.add_argument(flag)
    if SECURE:
        options.add_argument("--unsafely-treat-insecure-origin-as-secure=" + BASE)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    driver = start_browser()
    try:
        size(driver, 360, 740)
        driver.get(BASE + "/")
        check("the home screen shows from the .onion origin", wait(driver, lambda d: visible(d, "screen-home"), 30))
        origin = driver.execute_script("return [location.origin, location.protocol, window.isSecureContext]")
        check("the page's origin is the onion name over http", origin[0] == BASE and origin[1] == "http:", origin)
        check("a secure context exactly when emulating Tor Browser", origin[2] == SECURE, origin)

        driver.find_element(By.ID, "start").click()
        check("the phrase is shown", wait(driver, lambda d: visible(d, "screen-phrase")))
        driver.find_element(By.ID, "phrase-saved").click()
        check("the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60),
              text(driver, "status") if visible(driver, "status") else "")
        box = driver.find_element(By.ID, "message")
        box.send_keys(MESSAGE)
        driver.find_element(By.ID, "send").click()
        check("a message is stored (two ticks)", wait(driver, lambda d: any(
            item.find_element(By.CSS_SELECTOR, ".text").get_attribute("textContent") == MESSAGE
            and item.find_elements(By.CSS_SELECTOR, ".tick[data-state=stored]")
            for item in d.find_elements(By.CSS_SELECTOR, "#messages li.mine")), 30))
        sockets = driver.execute_script(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
            ".filter(function (n) { return n.indexOf('://' + location.host + '/') < 0; })")
        check("every resource comes from the onion origin", not sockets, sockets)
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        check("the console has no errors (no CSP violation, no insecure-context refusal)", not problems, problems)
    except Exception:
        check("the script ran to the end", False, traceback.format_exc())
    finally:
        driver.quit()
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
