#!/usr/bin/python3
"""A visitor in headless Chromium, driving the relay's web page the way a person would.

  browser_visitor.py BASE_URL NEUTRAL_URL SCREENSHOT_DIR

BrowserTests.swift starts the relay and a neutral page, and plays the staff side: it answers
"Hello from the browser" (claim, then a reply), closes a chat on "please close this chat", and
restarts the relay on "please restart the relay". Each check is printed as one JSON line
{"check": name, "ok": bool, "detail": text}; the exit code is 1 if any failed.
Run with Debian's /usr/bin/python3 (python3-selenium, chromium, chromium-driver).
"""
import hashlib
import json
import os
import sys
import time
import traceback
import urllib.request
from urllib.parse import urlsplit

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, choose, press, size, start_browser, storage, text, visible, wait  # noqa: E402

BASE, NEUTRAL, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
WORDLIST = "/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt"
REPLY = "Hi, I'm Sam. You're safe to talk."


# Keeps every text the connection line and the status line show, to read after the relay is back.
RECORD_CONNECTION = """
window.connectionTexts = [];
['connection', 'status'].forEach(function (id) {
  var element = document.getElementById(id);
  if (!element) return;
  new MutationObserver(function () { window.connectionTexts.push(element.textContent); })
    .observe(element, {childList: true, characterData: true, subtree: true});
});
"""


def shoot(driver, name):
    browser_common.shoot(driver, SHOTS, name)


def messages(driver):
    return [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#messages li .text")]


def send(driver, message):
    box = driver.find_element(By.ID, "message")
    box.clear()
    box.send_keys(message)
    driver.find_element(By.ID, "send").click()
    return wait(driver, lambda d: any(
        item.find_element(By.CSS_SELECTOR, ".text").get_attribute("textContent") == message
        and item.find_elements(By.CSS_SELECTOR, ".tick[data-state=stored]")
        for item in d.find_elements(By.CSS_SELECTOR, "#messages li.mine")), 20)


def start_chat(driver, remember=False):
    """Home → Start → the phrase (returned) → the chat."""
    driver.find_element(By.ID, "start").click()
    wait(driver, lambda d: visible(d, "screen-phrase"))
    words = [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#phrase-words li .word")]
    if remember:
        driver.find_element(By.ID, "remember-start").click()
    return words


def confirm_phrase(driver):
    driver.find_element(By.ID, "phrase-saved").click()
    return wait(driver, lambda d: visible(d, "screen-chat"), 60)


def resume(driver, typed, remember=False, expect_chat=True):
    if not visible(driver, "screen-resume"):
        driver.find_element(By.ID, "have-phrase").click()
        wait(driver, lambda d: visible(d, "screen-resume"))
    box = driver.find_element(By.ID, "resume-phrase")
    box.clear()
    box.send_keys(typed)
    if remember:
        driver.find_element(By.ID, "remember-resume").click()
    driver.find_element(By.ID, "resume-open").click()
    if expect_chat:
        return wait(driver, lambda d: visible(d, "screen-chat"), 30)
    return wait(driver, lambda d: text(d, "resume-error") not in ("", "Opening your chat…"), 15)


def databases(driver):
    return driver.execute_async_script(
        "var done = arguments[0]; indexedDB.databases().then(function (l) { done(l.map(function (d) { return d.name; })); },"
        " function (e) { done(['error: ' + e]); });")


def distance(a, b):
    """Optimal string alignment: two neighbouring letters swapped count as one edit, as in phrase.js."""
    rows = [[i] + [0] * len(b) for i in range(len(a) + 1)]
    rows[0] = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            best = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, rows[i - 2][j - 2] + 1)
            rows[i][j] = best
    return rows[len(a)][len(b)]


def suggestions(token, wordlist):
    """docs/PROTOCOL.md allows near words; the page offers up to 3 within two edits, nearest first."""
    near = sorted((distance(token, w), w) for w in wordlist if abs(len(w) - len(token)) <= 2)
    return [w for d, w in near if d <= 2][:3]


def checksum_ok(words, wordlist):
    bits = "".join(format(wordlist.index(w), "011b") for w in words)
    entropy = int(bits[:128], 2).to_bytes(16, "big")
    return hashlib.sha512(b"netreach/v1/phrase\x00" + entropy).digest()[0] >> 4 == int(bits[128:], 2)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    if os.path.exists(os.path.join(SHOTS, "failure.png")):
        os.remove(os.path.join(SHOTS, "failure.png"))
    wordlist = open(WORDLIST).read().split()
    with urllib.request.urlopen(BASE + "/") as response:
        headers = response.headers
    check("the page has the strict CSP", "default-src 'self'" in (headers.get("Content-Security-Policy") or ""),
          headers.get("Content-Security-Policy"))
    check("the page sets no cookie and is not cached", headers.get("Set-Cookie") is None
          and headers.get("Cache-Control") == "no-store" and headers.get("Referrer-Policy") == "no-referrer", dict(headers))

    driver = start_browser()
    try:
        size(driver, 360, 740)
        driver.get(BASE + "/")
        check("the home screen shows", wait(driver, lambda d: visible(d, "screen-home")))
        check("the duty line shows the answer time", "15 minutes" in text(driver, "duty"), text(driver, "duty"))
        check("the emergency numbers come from the deployment", "Test emergency line: 999" in text(driver, "emergency"),
              text(driver, "emergency"))
        check("the safety alerts show their empty state", "No safety alerts" in text(driver, "alerts"))
        shoot(driver, "start")

        # Start a chat: the phrase is shown once, the chat opens after the proof of work.
        words = start_chat(driver)
        check("the phrase has 12 list words", len(words) == 12 and all(w in wordlist for w in words), words)
        check("the phrase warning is shown", "only way back to this chat" in text(driver, "screen-phrase"))
        shoot(driver, "start-phrase")
        check("the chat opens", confirm_phrase(driver))
        check("while waiting, the page says so", "Waiting for someone" in text(driver, "chat-state"), text(driver, "chat-state"))
        check("a message is stored (two ticks)", send(driver, "Hello from the browser"))
        check("the staff reply shows", wait(driver, lambda d: REPLY in messages(d), 30), messages(driver))
        check("the staff name shows", wait(driver, lambda d: "Sam is here." in text(d, "chat-state")), text(driver, "chat-state"))
        shoot(driver, "chat")
        check("nothing is kept in the browser by default", storage(driver) == {"local": 0, "session": 0, "cookie": ""},
              storage(driver))
        origins = driver.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".map(function (e) { return e.name; })")
        base_origin = urlsplit(BASE)
        foreign = [name for name in origins if urlsplit(name).netloc != base_origin.netloc]
        check("every resource comes from the relay's origin", origins and not foreign, foreign or origins)
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        check("the console has no errors (no CSP violation)", not problems, problems)

        # Reload: nothing was remembered, so the phrase is the way back.
        driver.refresh()
        check("after a reload the home screen shows again", wait(driver, lambda d: visible(d, "screen-home")))
        resume(driver, " ".join(words[:11]), expect_chat=False)
        check("11 words: the count is named", "12 words. You typed 11" in text(driver, "resume-error"), text(driver, "resume-error"))
        resume(driver, "", expect_chat=False)
        check("an empty phrase is refused", "You typed 0" in text(driver, "resume-error"), text(driver, "resume-error"))
        typo = list(words)
        typo[4] = "qqqxz"
        resume(driver, " ".join(typo), expect_chat=False)
        check("a changed word that is no word is named", "Word 5, “qqqxz”, is not one of the phrase words"
              in text(driver, "resume-error"), text(driver, "resume-error"))
        near = list(words)
        prefixes = {w[:4] for w in wordlist}
        near[2] = next(t for t in (words[2][0] + c + words[2][2:] for c in "qxzjkvwy")
                       if t not in wordlist and t[:4] not in prefixes)
        resume(driver, " ".join(near), expect_chat=False)
        check("a typo is named with a suggestion", "Word 3, “%s”" % near[2] in text(driver, "resume-error")
              and "Did you mean %s?" % " or ".join(suggestions(near[2], wordlist)) in text(driver, "resume-error"),
              text(driver, "resume-error"))
        wrong = next(w2 for w2 in ([words[:6] + [w] + words[7:] for w in wordlist if w != words[6]])
                     if not checksum_ok(w2, wordlist))
        resume(driver, " ".join(wrong), expect_chat=False)
        check("another real word fails the checksum", "One of the words is wrong" in text(driver, "resume-error"),
              text(driver, "resume-error"))
        shoot(driver, "resume-error")
        lucky = next(w2 for w2 in ([words[:6] + [w] + words[7:] for w in wordlist if w != words[6]])
                     if checksum_ok(w2, wordlist))
        resume(driver, " ".join(lucky), expect_chat=False)
        check("a valid phrase with no chat says so", "could not find a chat" in text(driver, "resume-error"),
              text(driver, "resume-error"))
        sloppy = "  ".join(w.upper() if i % 2 else w[:4] for i, w in enumerate(words)) + " ."
        check("the right phrase, typed loosely, opens the chat", resume(driver, sloppy))
        check("the whole history is back", wait(driver, lambda d: messages(d)[:1] == ["Hello from the browser"]
                                                 and REPLY in messages(d)), messages(driver))
        check("the staff name is back", "Sam is here." in text(driver, "chat-state"))
        shoot(driver, "resume")

        # The relay goes away and comes back: the page says so beside the message box, where the
        # visitor is typing, and to screen readers; it reconnects and misses nothing.
        driver.execute_script(RECORD_CONNECTION)
        send(driver, "please restart the relay")
        check("while the relay is down the page says it is reconnecting, beside the message box",
              wait(driver, lambda d: "Trying again" in text(d, "connection"), 30), [text(driver, "connection"), text(driver, "status")])
        line = driver.find_element(By.ID, "connection")
        check("the connection line is in the message form and announced (aria-live)",
              line.get_attribute("aria-live") == "polite" and line.get_attribute("role") == "status"
              and driver.execute_script("return document.getElementById('send-form').contains(arguments[0])", line))
        near = driver.execute_script(
            "var box = document.getElementById('message'); box.scrollIntoView({block: 'end'}); box.focus();"
            "var r = document.getElementById('connection').getBoundingClientRect();"
            "return {top: r.top, bottom: r.bottom, height: innerHeight, text: document.getElementById('connection').textContent};")
        check("with the message box in view, the connection line is on the screen too", near["top"] >= 0
              and near["bottom"] <= near["height"] and "Connection lost" in near["text"], near)
        driver.save_screenshot(os.path.join(SHOTS, "chat-connection-lost-360x740.png"))
        check("after the relay is back the staff message arrives",
              wait(driver, lambda d: "We are back." in messages(d), 60), messages(driver))
        check("a message sent after the reconnect is stored", send(driver, "after the restart"))
        check("once connected again the connection line is empty", wait(driver, lambda d: text(d, "connection") == "", 10),
              text(driver, "connection"))
        seen = driver.execute_script("return window.connectionTexts || []")
        check("the first retry says \"in 1 second\", not \"1 seconds\"", any("in 1 second…" in line for line in seen)
              and not any("1 seconds" in line for line in seen), seen)
        check("nothing shows twice", messages(driver).count(REPLY) == 1 and messages(driver).count("We are back.") == 1,
              messages(driver))

        # Staff answer while the chat's tab is in the background: the answer is there on return.
        chat_tab = driver.current_window_handle
        send(driver, "please reply in the background")
        driver.switch_to.new_window("tab")
        driver.get(NEUTRAL)
        time.sleep(5)
        driver.close()
        driver.switch_to.window(chat_tab)
        check("a reply that came while the tab was in the background shows on return",
              wait(driver, lambda d: "Here is my answer." in messages(d), 10), messages(driver))

        # Remember me, then Quick exit with the button.
        driver.refresh()
        wait(driver, lambda d: visible(d, "screen-home"))
        check("remember me: the chat opens", resume(driver, " ".join(words), remember=True))
        kept = driver.execute_script("return Object.keys(localStorage).sort()")
        check("remember me keeps exactly the phrase and the page's language", kept == ["netreach.v1.language", "netreach.v1.phrase"],
              kept)
        driver.refresh()
        check("a remembered chat opens by itself after a reload",
              wait(driver, lambda d: visible(d, "screen-chat") and "We are back." in messages(d), 30))
        check("the page says this phone remembers", visible(driver, "remembered-box"))
        driver.find_element(By.ID, "quick-exit").click()
        check("Quick exit lands on the neutral page", wait(driver, lambda d: d.current_url == NEUTRAL, 10), driver.current_url)
        page = driver.find_element(By.TAG_NAME, "body").get_attribute("textContent")
        check("the neutral page was asked for without a referrer", "referrer: none" in page, page)
        driver.back()
        time.sleep(0.5)
        check("Back does not return to the chat", not driver.current_url.startswith(BASE), driver.current_url)
        driver.get(BASE + "/health")
        check("after Quick exit, storage for the relay's origin is empty",
              storage(driver) == {"local": 0, "session": 0, "cookie": ""}, storage(driver))
        check("after Quick exit, IndexedDB for the relay's origin is empty", databases(driver) == [], databases(driver))
        cookies = driver.execute_cdp_cmd("Network.getCookies", {"urls": [BASE + "/"]})["cookies"]
        check("after Quick exit, there are no cookies for the relay's origin", cookies == [], cookies)

        # A chat that staff close: the closed state shows, and comes back with the phrase.
        driver.get(BASE + "/")
        wait(driver, lambda d: visible(d, "screen-home"))
        check("a reload after Quick exit starts afresh", visible(driver, "screen-home"))
        closing = start_chat(driver)
        confirm_phrase(driver)
        send(driver, "please close this chat")
        check("the closed state shows", wait(driver, lambda d: "This chat is closed" in text(d, "chat-state"), 30),
              text(driver, "chat-state"))
        check("a closed chat has no message box", not visible(driver, "send-form") and visible(driver, "new-chat"))
        # Feedback: asked once the chat is closed, optional, sent sealed (BrowserTests reads it as staff).
        check("a closed chat asks for feedback", visible(driver, "feedback-form"))
        press(driver, "feedback-send")
        check("feedback with no answer is not sent, and the page says why",
              "at least one answer" in text(driver, "feedback-error") and visible(driver, "feedback-form"), text(driver, "feedback-error"))
        choose(driver, "feedback-helpful-a-little")
        check("choosing an answer clears the old problem", text(driver, "feedback-error") == "", text(driver, "feedback-error"))
        choose(driver, "feedback-helped-most-someone-to-talk-to")
        press(driver, "feedback-send")
        check("sent feedback is stored (two ticks) and thanked", wait(driver, lambda d: any(
            "You sent your feedback" in item.get_attribute("textContent")
            and item.find_elements(By.CSS_SELECTOR, ".tick[data-state=stored]")
            for item in d.find_elements(By.CSS_SELECTOR, "#messages li.mine")), 20), messages(driver))
        check("the feedback form is gone once sent", not visible(driver, "feedback-form"))
        driver.refresh()
        wait(driver, lambda d: visible(d, "screen-home"))
        check("a closed chat's phrase opens it", resume(driver, " ".join(closing)))
        check("a closed chat shows its history and the closed state",
              wait(driver, lambda d: "please close this chat" in messages(d) and "This chat is closed" in text(d, "chat-state")),
              [messages(driver), text(driver, "chat-state")])
        check("a resumed chat does not ask for feedback given before",
              wait(driver, lambda d: "You sent your feedback. Thank you." in messages(d)) and not visible(driver, "feedback-form"),
              messages(driver))

        # Quick exit with Escape pressed three times.
        ActionChains(driver).send_keys(Keys.ESCAPE).pause(0.1).send_keys(Keys.ESCAPE).pause(0.1).send_keys(Keys.ESCAPE).perform()
        check("Escape three times is Quick exit", wait(driver, lambda d: d.current_url == NEUTRAL, 10), driver.current_url)

        # Without JavaScript the page says why it cannot work.
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        driver.get(BASE + "/")
        shown = driver.find_element(By.CSS_SELECTOR, "noscript .noscript, .noscript").text
        check("without JavaScript the page says it needs it", "This chat needs JavaScript" in shown, shown)
        driver.save_screenshot(os.path.join(SHOTS, "noscript-360x740.png"))
    except Exception:
        screens = driver.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.screen'), function (s) { return s.id + ':' + !s.hidden; })"
            " .concat([document.getElementById('status') && document.getElementById('status').textContent])")
        driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
        check("the script ran to the end", False, "%s; screens %s" % (traceback.format_exc(), screens))
    finally:
        driver.quit()
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
