#!/usr/bin/python3
"""The visitor page for every visitor (issue 17): large text and zoom, a first paint with a working
Quick exit before any script runs, Quick exit as the first Tab stop, the phrase as a numbered list
that is never kept once the chat is open, a checker that never reassures about a mistyped number,
and the smaller things a visitor meets (the progress bar and the report's confirmation in sight,
form errors that go once the field is changed, the Remember-me label beside its box).

  browser_page.py BASE_URL NEUTRAL_URL SCREENSHOT_DIR

BrowserTests.swift starts the relay (no staff needed) and a neutral page. Each check is printed as
one JSON line {"check": name, "ok": bool, "detail": text}; the exit code is 1 if any failed.
Run with Debian's /usr/bin/python3 (python3-selenium, chromium, chromium-driver).
"""
import json
import os
import re
import sys
import traceback
from urllib.parse import urlsplit

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, size, start_browser, text, visible, wait  # noqa: E402

BASE, NEUTRAL, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
WORDLIST = "/usr/lib/python3/dist-packages/mnemonic/wordlist/english.txt"

# Where Quick exit is and whether a finger at its centre lands on it; the header's height; the
# viewport. Positions are in CSS px of the layout viewport.
QUICK_EXIT = """
var link = document.getElementById('quick-exit'), bar = document.getElementById('bar');
if (!link || !bar) return null;
var r = link.getBoundingClientRect(), b = bar.getBoundingClientRect();
var x = r.left + r.width / 2, y = r.top + r.height / 2;
var hit = document.elementFromPoint(x, y);
return {tag: link.tagName, href: link.getAttribute('href'), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
        shown: r.width > 0 && r.height > 0 && getComputedStyle(link).visibility === 'visible',
        hit: !!hit && (hit === link || link.contains(hit)), header: b.height, headerBottom: b.bottom,
        width: innerWidth, height: innerHeight, scrollWidth: document.documentElement.scrollWidth};
"""

# For every word of the phrase list: whether it is on one line, on the line of its number.
PHRASE_LAYOUT = """
var list = document.getElementById('phrase-words');
return {tag: list.tagName, items: Array.prototype.map.call(list.children, function (li) {
  var n = li.querySelector('.n'), w = li.querySelector('.word');
  var nr = n.getBoundingClientRect(), wr = w.getBoundingClientRect();
  return {word: w.textContent, lines: w.getClientRects().length, numberTop: nr.top, numberBottom: nr.bottom,
          wordTop: wr.top, wordBottom: wr.bottom, right: wr.right, width: innerWidth};
})};
"""


def press(driver, element_id):
    """Taps a button, scrolled to the middle of the screen first, as a finger would."""
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def shoot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def quick_exit_usable(driver, where):
    got = driver.execute_script(QUICK_EXIT)
    if not check(where + ": the Quick exit header is there", got is not None, got):
        return got
    check(where + ": the header is at most a quarter of the screen", got["header"] <= got["height"] / 4, got)
    check(where + ": Quick exit is wholly on the screen", got["shown"] and got["left"] >= 0 and got["right"] <= got["width"]
          and got["top"] >= 0 and got["bottom"] <= got["height"], got)
    check(where + ": a tap at Quick exit's centre lands on it", got["hit"], got)
    check(where + ": nothing scrolls sideways", got["scrollWidth"] <= got["width"], got)
    return got


def not_covered(driver, where, element_id):
    """The element is below the sticky header, not under it, once scrolled to as a person would."""
    got = driver.execute_script(
        "var e = document.getElementById(arguments[0]); e.scrollIntoView({block: 'nearest'});"
        "var r = e.getBoundingClientRect(), b = document.getElementById('bar').getBoundingClientRect();"
        "var hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height, 20) / 2);"
        "return {top: r.top, barBottom: b.bottom, hit: !!hit && (hit === e || e.contains(hit))};", element_id)
    check(where + ": the header does not cover #" + element_id, got["hit"] and got["top"] >= got["barBottom"] - 1, got)


def phrase_on_one_line(driver, where):
    got = driver.execute_script(PHRASE_LAYOUT)
    bad = [i for i in got["items"] if i["lines"] != 1 or abs(i["wordTop"] - i["numberTop"]) > i["wordBottom"] - i["wordTop"]
           or i["right"] > i["width"]]
    check(where + ": the phrase is a numbered list", got["tag"] == "OL" and len(got["items"]) == 12, got["tag"])
    check(where + ": no word wraps away from its number", not bad and got["items"], bad or got)


def widest_words(wordlist):
    """12 of the widest words (8 letters, as many wide letters as possible), to lay out the worst phrase."""
    def width(w):
        return len(w) * 10 + sum(6 for c in w if c in "mw") + sum(2 for c in w if c in "ndoquh")
    return sorted(wordlist, key=lambda w: (-width(w), w))[:12]


def remember_beside(driver, where, box_id):
    got = driver.execute_script(
        "var b = document.getElementById(arguments[0]).getBoundingClientRect();"
        "var l = document.querySelector('label[for=' + arguments[0] + ']').getBoundingClientRect();"
        "return {boxRight: b.right, boxTop: b.top, boxBottom: b.bottom, labelLeft: l.left, labelTop: l.top};", box_id)
    check(where + ": the Remember-me label sits beside its box", got["labelLeft"] >= got["boxRight"]
          and got["labelTop"] < got["boxBottom"], got)


def tab_lands_on_quick_exit(driver, where):
    ActionChains(driver).send_keys(Keys.TAB).perform()
    got = driver.execute_script("return document.activeElement && (document.activeElement.id || document.activeElement.tagName)")
    check(where + ": the first Tab goes to Quick exit", got == "quick-exit", got)


def large_text(wordlist):
    """Chromium's default font size doubled (text at 200 %), on a 360 x 740 phone."""
    driver = start_browser(prefs={"webkit.webprefs.default_font_size": 32})
    try:
        size(driver, 360, 740)
        driver.get(BASE + "/")
        check("text 200 %: the home screen shows", wait(driver, lambda d: visible(d, "screen-home")))
        root = driver.execute_script("return parseFloat(getComputedStyle(document.documentElement).fontSize)")
        check("text 200 %: the text really is twice as large", root >= 32, root)
        shoot(driver, "text200-home-360x740")
        quick_exit_usable(driver, "text 200 %, home")
        brand = driver.execute_script("var r = document.querySelector('#bar .brand').getBoundingClientRect();"
                                      "return {width: r.width, height: r.height};")
        check("text 200 %: the service name is not one letter per line", brand["width"] == 0 or brand["width"] > 3 * root
              or brand["height"] < 3 * root, brand)
        not_covered(driver, "text 200 %, home", "home-title")
        not_covered(driver, "text 200 %, home", "start")
        press(driver, "start")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        quick_exit_usable(driver, "text 200 %, phrase")
        phrase_on_one_line(driver, "text 200 %, phrase")
        shoot(driver, "text200-phrase-360x740")
        driver.execute_script("NetreachUI.renderPhrase(arguments[0])", widest_words(wordlist))
        phrase_on_one_line(driver, "text 200 %, the widest words")
        driver.execute_script("document.getElementById('phrase-words').scrollIntoView()")
        shoot(driver, "text200-widest-phrase-360x740")
        remember_beside(driver, "text 200 %, phrase", "remember-start")
    finally:
        driver.quit()


def zoomed():
    """Page zoom 200 % on a 360 x 740 phone: a 180 x 370 CSS px viewport at two device pixels each."""
    driver = start_browser()
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 180, "height": 370, "deviceScaleFactor": 2, "mobile": True})
        driver.get(BASE + "/")
        check("zoom 200 %: the home screen shows", wait(driver, lambda d: visible(d, "screen-home")))
        shoot(driver, "zoom200-home-360x740")
        quick_exit_usable(driver, "zoom 200 %, home")
        not_covered(driver, "zoom 200 %, home", "home-title")
        not_covered(driver, "zoom 200 %, home", "start")
    finally:
        driver.quit()


def before_scripts():
    """First paint: every script blocked, the header and a working Quick exit are there."""
    driver = start_browser()
    try:
        size(driver, 360, 740)
        driver.execute_cdp_cmd("Network.enable", {})
        # The page's scripts never arrive; nor does anything for the default neutral site, so nothing leaves the machine.
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*.js", "*bbc.co.uk*"]})
        driver.get(BASE + "/")
        ran = driver.execute_script("return typeof NetreachUI")
        check("no script: the page's scripts were blocked", ran == "undefined", ran)
        got = quick_exit_usable(driver, "no script")
        shoot(driver, "noscript-first-paint-360x740")
        href = (got or {}).get("href") or ""
        check("no script: Quick exit is a plain link to a neutral site", (got or {}).get("tag") == "A"
              and re.match(r"^https?://", href) is not None and urlsplit(href).netloc != urlsplit(BASE).netloc, got)
        check("no script: the header names the service and the link says Quick exit",
              "Quick exit" in text(driver, "quick-exit") and text(driver, "bar").strip() != "", text(driver, "bar"))
        tab_lands_on_quick_exit(driver, "no script")
        driver.find_element(By.ID, "quick-exit").click()
        check("no script: Quick exit leaves the page", wait(driver, lambda d: not d.current_url.startswith(BASE), 10),
              driver.current_url)

        # A remembered phrase, and a Quick exit while the app's scripts have not arrived: exit.js,
        # which is tiny and runs first, still empties this site's storage.
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        driver.get(BASE + "/health")
        driver.execute_script("localStorage.setItem('netreach.v1.phrase', '00112233445566778899aabbccddeeff')")
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/static/app.js", "*bbc.co.uk*"]})
        driver.get(BASE + "/")
        wait(driver, lambda d: d.execute_script("return performance.getEntriesByType('resource').some("
                                                "function (e) { return /exit\\.js$/.test(e.name); })"), 10)
        check("app.js blocked: the app did not start", driver.execute_script("return typeof NetreachQuickExit") == "undefined")
        driver.find_element(By.ID, "quick-exit").click()
        check("app.js blocked: Quick exit leaves the page", wait(driver, lambda d: not d.current_url.startswith(BASE), 10),
              driver.current_url)
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        driver.get(BASE + "/health")
        left = driver.execute_script("return localStorage.length + sessionStorage.length")
        check("app.js blocked: Quick exit still empties the site's storage (a remembered phrase)", left == 0, left)

        # The same with Escape pressed three times.
        driver.execute_script("localStorage.setItem('netreach.v1.phrase', '00112233445566778899aabbccddeeff')")
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/static/app.js", "*bbc.co.uk*"]})
        driver.get(BASE + "/")
        wait(driver, lambda d: d.execute_script("return performance.getEntriesByType('resource').some("
                                                "function (e) { return /exit\\.js$/.test(e.name); })"), 10)
        ActionChains(driver).send_keys(Keys.ESCAPE).pause(0.1).send_keys(Keys.ESCAPE).pause(0.1).send_keys(Keys.ESCAPE).perform()
        check("app.js blocked: Escape three times leaves the page", wait(driver, lambda d: not d.current_url.startswith(BASE), 10),
              driver.current_url)
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        driver.get(BASE + "/health")
        left = driver.execute_script("return localStorage.length + sessionStorage.length")
        check("app.js blocked: Escape three times empties the site's storage", left == 0, left)
    finally:
        driver.quit()


def checker(driver):
    """The checker on the home screen never reads a mistyped phone number as "no alert"."""
    def run(typed, kind="auto"):
        Select(driver.find_element(By.ID, "check-kind")).select_by_value(kind)
        box = driver.find_element(By.ID, "check-value")
        box.clear()
        box.send_keys(typed)
        driver.execute_script("document.getElementById('check').click()")
        wait(driver, lambda d: text(d, "check-result") or text(d, "check-error"), 5)
        return text(driver, "check-result"), text(driver, "check-error")

    for typed in ("0770090", "900123", "0770 090", "07700-9001", "+44 7700"):
        result, error = run(typed)
        check("the checker does not read %r as a plate or say there is no alert" % typed,
              result == "" and "is not a number plate" not in error, [result, error])
        check("the checker asks for the full number for %r" % typed, "full number" in error
              or "Give a UK number (07700 900123) or one with its country code" in error, error)
    result, error = run("900123", "plate")
    check("the checker does not take digits alone for a plate", result == "" and "full number" in error, [result, error])
    result, error = run("07700 900123")
    check("a whole phone number is still checked", "No alert names this phone number" in result, [result, error])
    result, error = run("AB12 CDE")
    check("a plate is still checked", "No alert names this number plate" in result, [result, error])
    driver.execute_script("document.getElementById('check-value').value = ''; document.getElementById('check-result').textContent = ''")


def visitor(wordlist):
    driver = start_browser()
    try:
        size(driver, 360, 740)
        driver.get(BASE + "/")
        check("the home screen shows", wait(driver, lambda d: visible(d, "screen-home")))
        tab_lands_on_quick_exit(driver, "home")
        checker(driver)

        press(driver, "have-phrase")
        wait(driver, lambda d: visible(d, "screen-resume"))
        tab_lands_on_quick_exit(driver, "resume")
        remember_beside(driver, "360 px, resume", "remember-resume")
        press(driver, "resume-back")
        wait(driver, lambda d: visible(d, "screen-home"))

        before = driver.execute_script("return document.documentElement.outerHTML")
        press(driver, "start")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        tab_lands_on_quick_exit(driver, "phrase")
        words = [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#phrase-words li .word")]
        phrase_on_one_line(driver, "360 px, phrase")
        remember_beside(driver, "360 px, phrase", "remember-start")
        driver.execute_script("NetreachUI.renderPhrase(arguments[0])", widest_words(wordlist))
        phrase_on_one_line(driver, "360 px, the widest words")
        driver.execute_script("document.getElementById('phrase-words').scrollIntoView()")
        shoot(driver, "widest-phrase-360x740")
        driver.execute_script("NetreachUI.renderPhrase(arguments[0])", words)

        # The progress bar shows where the visitor is looking, at once.
        got = driver.execute_script(
            "document.getElementById('phrase-saved').click();"
            "var r = document.getElementById('progress-box').getBoundingClientRect();"
            "var b = document.getElementById('bar').getBoundingClientRect();"
            "return {top: r.top, bottom: r.bottom, barBottom: b.bottom, height: innerHeight, shown: r.height > 0};")
        check("the progress bar is on the screen", got["shown"] and got["top"] >= got["barBottom"] - 1
              and got["bottom"] <= got["height"], got)
        shoot(driver, "progress-360x740")
        check("the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60))

        # Once the chat is open the page keeps no word of the phrase.
        page = driver.execute_script("return document.documentElement.outerHTML")
        kept = [w for w in words if re.search(r"\b%s\b" % w, page) and not re.search(r"\b%s\b" % w, before)]
        check("after confirmation no phrase word is anywhere in the page", not kept and len(words) == 12, kept)
        check("after confirmation the phrase list is empty",
              driver.execute_script("return document.getElementById('phrase-words').children.length") == 0)
        check("after confirmation no word's spoken label is left", "Word 1:" not in page and "Word 12:" not in page)
        tab_lands_on_quick_exit(driver, "chat")

        # A chat long enough that the newest entry is below the screen's edge when the chat shows.
        for n in range(8):
            box = driver.find_element(By.ID, "message")
            box.send_keys("Message number %d, to make the chat longer than the screen." % (n + 1))
            box.send_keys(Keys.ENTER)
        check("the messages are stored", wait(driver, lambda d: len(d.find_elements(
            By.CSS_SELECTOR, "#messages li.mine .tick[data-state=stored]")) == 8, 30))

        # The report: errors go once their field is changed; the confirmation is in sight after sending.
        press(driver, "report-open")
        wait(driver, lambda d: visible(d, "screen-report"))
        tab_lands_on_quick_exit(driver, "report")
        driver.execute_script("document.getElementById('report-send').click()")
        check("an empty report names the area", "Town or area" in text(driver, "report-errors")
              and text(driver, "report-area-error") != "", text(driver, "report-errors"))
        box = driver.find_element(By.ID, "report-area")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.send_keys("Leeds")
        check("changing a field clears its own error", text(driver, "report-area-error") == ""
              and box.get_attribute("aria-invalid") is None, text(driver, "report-area-error"))
        check("changing a field clears its line in the list of problems", "Town or area" not in text(driver, "report-errors")
              and "The day" in text(driver, "report-errors"), text(driver, "report-errors"))
        driver.execute_script("var d = document.getElementById('report-date'); d.value = '2026-11-20';"
                              " d.dispatchEvent(new Event('input', {bubbles: true}));")
        check("a date picked clears its error", text(driver, "report-date-error") == "", text(driver, "report-date-error"))
        Select(driver.find_element(By.ID, "report-setting")).select_by_value("outdoor")
        check("a choice made clears its error", text(driver, "report-setting-error") == "", text(driver, "report-setting-error"))
        driver.execute_script("document.getElementById('report-harm-robbery').click(); document.getElementById('report-consent-1').click();")
        check("a box ticked clears its group's error", text(driver, "report-harms-error") == ""
              and text(driver, "report-consent-error") == "", [text(driver, "report-harms-error"), text(driver, "report-consent-error")])
        driver.execute_script("document.getElementById('report-send').click()")
        check("after sending, the chat shows", wait(driver, lambda d: visible(d, "screen-chat")))
        got = driver.execute_script(
            "var items = document.querySelectorAll('#messages li[data-kind=report]'); var e = items[items.length - 1];"
            "if (!e) return null; var r = e.getBoundingClientRect(), b = document.getElementById('bar').getBoundingClientRect();"
            "return {top: r.top, bottom: r.bottom, barBottom: b.bottom, height: innerHeight};")
        check("after Send report, its confirmation is in sight", got is not None and got["top"] >= got["barBottom"] - 1
              and got["top"] < got["height"], got)
        shoot(driver, "report-sent-360x740")
    finally:
        driver.quit()


def main():
    os.makedirs(SHOTS, exist_ok=True)
    wordlist = open(WORDLIST).read().split()
    for part in (before_scripts, lambda: large_text(wordlist), zoomed, lambda: visitor(wordlist)):
        try:
            part()
        except Exception:
            check("the script ran to the end", False, traceback.format_exc()[-500:])
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
