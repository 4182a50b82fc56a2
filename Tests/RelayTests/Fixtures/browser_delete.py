#!/usr/bin/python3
"""'Delete this chat' on the visitor page (docs/PRIVACY.md, "Erasure"; issue 20, item 3), in headless
Chromium against a real relay.

  browser_delete.py BASE_URL [MARKER]

With MARKER, the script says {"loaded": true} once the home screen is up and waits for the file
MARKER to exist before it starts the chat: the test revokes a worker's key meanwhile, so the page
opens with a keyring that is out of date, is refused, fetches the keyring again and opens. Once its
message is stored it says {"sent": true} and waits for MARKER.sent, while the test reads the message
from the relay's log.

A visitor starts a chat that this phone remembers, sends a message, and finds how long messages and
reports are kept. 'Delete this chat' first says what it does and what it cannot undo; 'Keep my chat'
changes nothing. Confirmed, the page sends the visitor's signed request, the relay erases the chat
before it answers, and the page goes home saying so, remembering nothing (no phrase in storage).
The phrase typed again opens nothing: the page says the chat was deleted. The test around this
script checks the relay's side (the ciphertext gone from its disk, the relay's signed record).
Each check is one JSON line {"check", "ok", "detail"}; exit 1 on a failure.
"""
import json
import os
import sys
import time
import traceback

from selenium.webdriver.common.by import By

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, press, size, start_browser, text, visible, wait  # noqa: E402

BASE = sys.argv[1].rstrip("/")
MARKER = sys.argv[2] if len(sys.argv) > 2 else None
SECRET = "my secret message: I work from the flat above the launderette"


def main():
    driver = start_browser()
    size(driver, 360, 740)
    try:
        driver.get(BASE + "/")
        wait(driver, lambda d: visible(d, "screen-home"))
        check("the page says how long messages are kept", "180 days" in text(driver, "retention-messages"),
              text(driver, "retention-messages"))
        check("the page says how long reports are kept", "730 days" in text(driver, "retention-reports"),
              text(driver, "retention-reports"))
        if MARKER:
            print(json.dumps({"loaded": True}), flush=True)
            deadline = time.time() + 60
            while not os.path.exists(MARKER) and time.time() < deadline:
                time.sleep(0.1)
            check("the test revoked a key while the page was open", os.path.exists(MARKER))
        driver.find_element(By.ID, "start").click()
        wait(driver, lambda d: visible(d, "screen-phrase"))
        words = [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#phrase-words li .word")]
        press(driver, "remember-start")
        press(driver, "phrase-saved")
        check("the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60))
        box = driver.find_element(By.ID, "message")
        box.send_keys(SECRET)
        press(driver, "send")
        check("the message is stored", wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#messages li.mine .tick[data-state=stored]"), 20))
        print(json.dumps({"sent": True}), flush=True)
        if MARKER:
            # The test reads the stored message from the relay before the chat is deleted.
            deadline = time.time() + 120
            while not os.path.exists(MARKER + ".sent") and time.time() < deadline:
                time.sleep(0.1)
            check("the test read the stored message", os.path.exists(MARKER + ".sent"))
        remembered = driver.execute_script("return localStorage.getItem('netreach.v1.phrase')")
        check("this phone remembers the chat (Remember me)", bool(remembered))

        check("the confirmation is hidden until asked for", not visible(driver, "delete-box"))
        press(driver, "delete-chat")
        check("Delete this chat asks first", wait(driver, lambda d: visible(d, "delete-box")))
        said = text(driver, "delete-what") + " " + text(driver, "delete-not-undone")
        check("it says what it deletes", "your messages" in said and "report" in said, said)
        check("it says what it cannot undo (a police report already shared, an alert posted)",
              "police" in said and "alert" in said and "cannot undo" in said, said)
        press(driver, "delete-no")
        check("Keep my chat changes nothing", not visible(driver, "delete-box") and visible(driver, "screen-chat")
              and SECRET in driver.find_element(By.ID, "messages").get_attribute("textContent"))

        press(driver, "delete-chat")
        wait(driver, lambda d: visible(d, "delete-box"))
        press(driver, "delete-yes")
        check("deleted, the page goes home and says so",
              wait(driver, lambda d: visible(d, "screen-home") and "Your chat was deleted." in text(d, "status"), 20),
              text(driver, "status"))
        check("nothing of the chat is left on the page", SECRET not in driver.find_element(By.TAG_NAME, "body").get_attribute("textContent"))
        check("this phone no longer remembers the chat",
              driver.execute_script("return localStorage.getItem('netreach.v1.phrase')") is None)
        print(json.dumps({"deleted": True}), flush=True)

        press(driver, "have-phrase")
        wait(driver, lambda d: visible(d, "screen-resume"))
        driver.find_element(By.ID, "resume-phrase").send_keys(" ".join(words))
        press(driver, "resume-open")
        check("the phrase opens nothing: the page says the chat was deleted",
              wait(driver, lambda d: visible(d, "screen-home") and "This chat was deleted." in text(d, "status"), 30),
              text(driver, "status"))
    except Exception:
        check("the script ran to the end", False, traceback.format_exc())
    finally:
        driver.quit()
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
