#!/usr/bin/python3
"""A chat re-keyed while the visitor page is open (docs/KEYS.md, "Offboarding"; issue 20, item 5), in
headless Chromium against a real relay.

  browser_rekey.py BASE_URL

The visitor starts a chat this phone remembers and sends a first message; the test around this
script answers it under the first conversation key, then re-keys the chat as a supervisor does when
someone leaves (key.rotated, wrapped to the visitor) and answers under the new key. The page shows
both answers, and its next message goes out (the test checks it is sealed with the new key, not the
old). Reloaded, the page reopens the remembered chat and reads the whole history, old key and new.
Each check is one JSON line {"check", "ok", "detail"}; progress lines {"sent": N}; exit 1 on a failure.
"""
import json
import sys
import traceback

from selenium.webdriver.common.by import By

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, press, size, start_browser, visible, wait  # noqa: E402

BASE = sys.argv[1].rstrip("/")
TEXTS = ["before the change: I am near the station", "first reply", "second reply, new key",
         "after the change: I moved to Hill Street"]


def chat_text(driver):
    return driver.find_element(By.ID, "messages").get_attribute("textContent")


def send(driver, message, count):
    box = driver.find_element(By.ID, "message")
    box.send_keys(message)
    press(driver, "send")
    check("message %d is stored" % count,
          wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages li.mine .tick[data-state=stored]")) >= count, 30))
    print(json.dumps({"sent": count}), flush=True)


def main():
    driver = start_browser()
    size(driver, 360, 740)
    try:
        driver.get(BASE + "/")
        wait(driver, lambda d: visible(d, "screen-home"))
        driver.find_element(By.ID, "start").click()
        wait(driver, lambda d: visible(d, "screen-phrase"))
        press(driver, "remember-start")
        press(driver, "phrase-saved")
        check("the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60))
        send(driver, TEXTS[0], 1)
        check("the reply under the first key shows", wait(driver, lambda d: TEXTS[1] in chat_text(d), 120), chat_text(driver))
        check("the reply under the new key shows", wait(driver, lambda d: TEXTS[2] in chat_text(d), 120), chat_text(driver))
        check("nothing is unreadable", "could not be opened" not in chat_text(driver), chat_text(driver))
        send(driver, TEXTS[3], 2)

        driver.refresh()
        check("reloaded, the remembered chat reopens", wait(driver, lambda d: visible(d, "screen-chat"), 60))
        check("the whole history reads, old key and new",
              wait(driver, lambda d: all(t in chat_text(d) for t in TEXTS), 60), chat_text(driver))
    except Exception:
        check("the script ran to the end", False, traceback.format_exc())
    finally:
        driver.quit()
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
