#!/usr/bin/python3
"""The visitor page in the visitor's language, and checked for everyone who uses assistive
technology (issue 17, items 2 and 5; docs/WEB.md "Languages" and "Accessibility and phones").

  browser_language.py BASE_URL NEUTRAL_URL                 the checks
  browser_language.py BASE_URL NEUTRAL_URL --screenshots DIR   only the screenshots (ops/screenshots)

Checks: the language comes from the device's list (Chromium's accept-languages) and sets <html lang>;
every visitor fetches the same files whatever the language; the picker is on every screen, labelled,
each language in its own name, and switching changes the page (and the unconfirmed phrase's word list)
without writing anything anywhere unless Remember me is on, and then the language is kept beside the
phrase and gone with it; Quick exit keeps working in Bulgarian; a chat started in Spanish gets a
Spanish phrase that opens it in a fresh profile typed without accents, and an English phrase still
opens its chat. On every screen (home, phrase, waiting for the proof of work, chat, report form,
checker, resume with an error, consent) in English and Bulgarian, Chromium's accessibility tree
(DevTools Accessibility.getFullAXTree) must have no unnamed control, no form field without a label
and no skipped heading level, and every visible text must have a contrast of at least 4.5:1.

With --screenshots, writes <lang>-text200-<screen>-360x740.png for en and bg at text 200 % (Chromium's
default font size 32 px) into DIR. Each check is one JSON line {"check", "ok", "detail"}; exit 1 on a failure.
"""
import json
import os
import sys
import time
import traceback
import unicodedata

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, size, start_browser, text, visible, wait, storage  # noqa: E402

BASE, NEUTRAL = sys.argv[1].rstrip("/"), sys.argv[2]
SHOTS = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--screenshots" else None
LISTS = "/usr/lib/python3/dist-packages/mnemonic/wordlist/"
ENGLISH = set(open(LISTS + "english.txt", encoding="utf-8").read().split())
SPANISH = set(unicodedata.normalize("NFC", w) for w in open(LISTS + "spanish.txt", encoding="utf-8").read().split())


def plain(word):
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def browser(languages, font_size=None):
    prefs = {"intl.accept_languages": languages}
    if font_size:
        prefs["webkit.webprefs.default_font_size"] = font_size
    driver = start_browser(prefs=prefs)
    size(driver, 360, 740)
    return driver


def home(driver):
    driver.get(BASE + "/")
    return wait(driver, lambda d: visible(d, "screen-home"))


def press(driver, element_id):
    element = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def pick(driver, code):
    driver.execute_script("var s = document.getElementById('language'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('change', {bubbles: true}));", code)


def phrase_words(driver):
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#phrase-words .word'), function (w) { return w.textContent; })")


# What sticks out past the right edge of a phone's screen (which makes a phone's browser widen the page,
# so that the visitor can scroll the sticky Quick exit header out of sight): the innermost such elements.
TOO_WIDE = """
var width = window.visualViewport.width, out = [];
document.querySelectorAll('body *').forEach(function (e) {
  if (!e.getClientRects().length || e.closest('[hidden], .visually-hidden')) return;
  if (e.getBoundingClientRect().right > width + 1) out.push(e);
});
// Text can stick out of a box that fits (a word too long for its line): measure the text itself.
var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), node, range = document.createRange();
while ((node = walker.nextNode())) {
  var parent = node.parentElement;
  if (!node.textContent.trim() || !parent.getClientRects().length || parent.closest('[hidden], .visually-hidden')) continue;
  range.selectNodeContents(node);
  if (range.getBoundingClientRect().right > width + 1 && out.indexOf(parent) < 0) out.push(parent);
}
return {layoutWidth: innerWidth, screenWidth: width, scrollWidth: document.documentElement.scrollWidth,
        wide: out.filter(function (e) { return !out.some(function (o) { return o !== e && e.contains(o); }); }).slice(0, 8)
          .map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' "' + (e.textContent || '').trim().slice(0, 24) + '" '
            + Math.round(e.getBoundingClientRect().right); })};
"""


# Whether a tap at Quick exit's centre lands on it, where the page is scrolled to now.
QUICK_EXIT_HIT = """
var link = document.getElementById('quick-exit'), r = link.getBoundingClientRect();
var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
var v = window.visualViewport;
return {hit: !!hit && (hit === link || link.contains(hit)), top: r.top, bottom: r.bottom, scrollY: scrollY, height: innerHeight,
        visualTop: v.offsetTop, visualHeight: v.height, scale: v.scale};
"""


def hold_relay(driver):
    """The relay out of reach for a moment (each WebSocket closes at once, as when the network is down),
    so the waiting screen stays long enough to be looked at."""
    driver.execute_script(
        "window.RealWebSocket = window.WebSocket;"
        "window.WebSocket = function () { var s = {readyState: 3, send: function () {}, close: function () {}};"
        "  setTimeout(function () { if (s.onclose) s.onclose({code: 1006}); }, 50); return s; };")


def release_relay(driver):
    """The page's next retry connects."""
    driver.execute_script("window.WebSocket = window.RealWebSocket;")


def failure():
    """The exception being handled, in a line or two (selenium's own traces are C++ addresses)."""
    kind, value, trace = sys.exc_info()
    mine = [f for f in traceback.extract_tb(trace) if f.filename == os.path.abspath(__file__)] or traceback.extract_tb(trace)
    where = mine[-1]
    return "%s: %s at line %d (%s)" % (kind.__name__, str(value).split("\n")[0][:300], where.lineno, where.line)


def lang(driver):
    return driver.execute_script("return document.documentElement.lang")


# ---- Accessibility: the tree Chromium gives assistive technology, and contrast ----

CONTROLS = {"button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio", "spinbutton", "slider",
            "switch", "date", "DateTime", "InputTime", "textField"}

# Every visible form field with no <label> and no aria-labelledby (a placeholder or title is not a label).
UNLABELLED = """
return Array.prototype.filter.call(document.querySelectorAll('input, select, textarea'), function (e) {
  if (e.type === 'hidden' || !e.getClientRects().length) return false;
  var box = e.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) return false;
  var labelled = (e.labels && Array.prototype.some.call(e.labels, function (l) { return l.textContent.trim(); }))
    || (e.getAttribute('aria-labelledby') || '').split(/\\s+/).some(function (id) {
      var l = id && document.getElementById(id); return l && l.textContent.trim(); });
  return !labelled;
}).map(function (e) { return e.tagName + '#' + e.id; });
"""

# Every visible piece of text against the first non-transparent background behind it, at 4.5:1 (WCAG
# relative luminance), whatever its size. A text's colour is faded by its own alpha and by the
# opacity of it and every parent, as it is drawn. Text of a disabled control is left out, as WCAG
# 1.4.3 exempts inactive controls (and counted, so that a report shows it).
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
function opacity(element) {
  var o = 1;
  for (; element; element = element.parentElement) o *= parseFloat(getComputedStyle(element).opacity);
  return o;
}
var seen = 0, disabled = 0, problems = [];
document.querySelectorAll('body *').forEach(function (element) {
  var own = Array.prototype.some.call(element.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
  if (!own || !element.getClientRects().length || element.closest('.visually-hidden, [hidden]')) return;
  var style = getComputedStyle(element);
  if (style.visibility !== 'visible' || opacity(element) === 0) return;
  if (element.closest(':disabled')) { disabled++; return; }
  seen++;
  var fg = parse(style.color), bg = background(element), alpha = fg[3] * opacity(element);
  var drawn = [0, 1, 2].map(function (i) { return fg[i] * alpha + bg[i] * (1 - alpha); });
  var a = luminance(drawn), b = luminance(bg);
  var ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 4.5) problems.push(element.tagName + '#' + element.id + '.' + element.className + ' "'
    + element.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
});
return {seen: seen, disabled: disabled, problems: problems};
"""


def accessibility_problems(driver):
    """What the checks below find on the screen now: unnamed controls, unlabelled fields, skipped heading levels, low contrast."""
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    unnamed, headings, roles = [], [], 0
    for node in tree:
        if node.get("ignored"):
            continue
        role = (node.get("role") or {}).get("value", "")
        name = str((node.get("name") or {}).get("value", "")).strip()
        if role in CONTROLS:
            roles += 1
            if not name:
                unnamed.append("%s (node %s, DOM %s)" % (role, node.get("nodeId"), node.get("backendDOMNodeId")))
        if role == "heading":
            level = next((p["value"]["value"] for p in node.get("properties", []) if p["name"] == "level"), None)
            headings.append((level, name[:30]))
    skipped = [(a, b) for a, b in zip([(0, "")] + headings, headings) if b[0] is None or b[0] > a[0] + 1]
    return {"controls": roles, "unnamed": unnamed, "unlabelled": driver.execute_script(UNLABELLED), "headings": headings,
            "skipped": skipped, "contrast": driver.execute_script(CONTRAST)}


def accessible(driver, where, headings=True):
    """The screen as assistive technology gets it: named controls, labelled fields, headings in order, contrast."""
    got = accessibility_problems(driver)
    if not headings and not got["headings"]:
        got["headings"] = [(1, "(none needed here)")]
    check(where + ": the accessibility tree has controls to check", got["controls"] > 0, got["controls"])
    check(where + ": every control has a name", not got["unnamed"], got["unnamed"])
    check(where + ": every form field has a label", not got["unlabelled"], got["unlabelled"])
    check(where + ": headings start at level 1 and skip no level", got["headings"] and got["headings"][0][0] == 1
          and not got["skipped"], {"headings": got["headings"], "skipped": got["skipped"]})
    check(where + ": every visible text has contrast of at least 4.5:1", got["contrast"]["seen"] > 0
          and not got["contrast"]["problems"], got["contrast"])


# Each kind of defect the checks must catch, put into the page for a moment.
DEFECTS = """
var main = document.getElementById('main'), box = document.createElement('div');
box.id = 'planted-defects';
box.innerHTML = '<button type="button" id="planted-button"></button><a id="planted-link" href="#x"></a>'
  + '<input type="text" id="planted-input" placeholder="Your name"><input type="checkbox" id="planted-box">'
  + '<select id="planted-select"><option></option></select>'
  + '<h4 id="planted-heading">Skipped</h4><p id="planted-grey">Pale text</p><p id="planted-faded">Faded text</p>';
main.insertBefore(box, main.firstChild);
"""


def checks_can_fail(driver):
    """The checks find an unnamed button, link, box and select, a field labelled only by its placeholder,
    a skipped heading level and pale text, when they are there (so a pass means something)."""
    driver.execute_script(DEFECTS)
    # style="" is blocked by the page's CSP, so the pale colour is set from the script's side.
    driver.execute_script("var p = document.getElementById('planted-grey'); p.style.color = '#999'; p.style.background = '#fff';"
                          "document.getElementById('planted-faded').style.opacity = '0.4';")
    got = accessibility_problems(driver)
    driver.execute_script("document.getElementById('planted-defects').remove()")
    unnamed = " ".join(got["unnamed"])
    check("the accessibility checks catch planted defects: unnamed button, link, checkbox and combobox",
          all(role in unnamed for role in ("button", "link", "checkbox", "combobox")), got["unnamed"])
    check("the accessibility checks catch a field labelled only by its placeholder and unlabelled fields",
          {"INPUT#planted-input", "INPUT#planted-box", "SELECT#planted-select"} <= set(got["unlabelled"]), got["unlabelled"])
    check("the accessibility checks catch a skipped heading level (h1 then h4)", any(b[0] == 4 for a, b in got["skipped"]),
          got["skipped"])
    check("the contrast check catches pale text (#999 on white, 2.85:1) and text faded by opacity 0.4",
          any("planted-grey" in p for p in got["contrast"]["problems"])
          and any("planted-faded" in p for p in got["contrast"]["problems"]), got["contrast"]["problems"])


def picker_there(driver, where):
    got = driver.execute_script(
        "var s = document.getElementById('language'); if (!s) return null; var r = s.getBoundingClientRect();"
        "return {shown: !!s.getClientRects().length && r.width > 0, label: s.labels.length ? s.labels[0].textContent : '',"
        "value: s.value, names: Array.prototype.map.call(s.options, function (o) { return o.textContent; })};")
    check(where + ": the language picker is there, labelled, each language in its own name", got is not None and got["shown"]
          and got["label"].strip() and got["names"] == ["English", "Română", "Polski", "Português (Brasil)", "Español", "Български"],
          got)
    return got


# ---- The checks ----

def bulgarian_device():
    """A phone set to Bulgarian: the page, its picker on every screen, switching, nothing stored, Quick exit."""
    driver = browser("bg-BG,bg")
    try:
        check("bg: the home screen shows", home(driver))
        check("bg: <html lang> is bg", lang(driver) == "bg", lang(driver))
        check("bg: the page speaks Bulgarian (Cyrillic)", text(driver, "quick-exit") == "Бърз изход"
              and text(driver, "start") == "Започни чат", [text(driver, "quick-exit"), text(driver, "start")])
        loaded = driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
        wanted = ["strings.js", "strings-ro.js", "strings-pl.js", "strings-pt-br.js", "strings-es.js", "strings-bg.js",
                  "wordlist-en.txt", "wordlist-es.txt"]
        check("bg: every language's file and both word lists are fetched, whatever the language",
              all(any(n.endswith("/static/" + w) for n in loaded) for w in wanted), loaded)
        picker_there(driver, "bg home")
        driver.execute_script("document.getElementById('home-title').focus()")
        ActionChains(driver).send_keys(Keys.TAB).perform()
        first = driver.execute_script("return document.activeElement.id")
        ActionChains(driver).send_keys(Keys.TAB).perform()
        second = driver.execute_script("return document.activeElement.id")
        check("bg: Tab goes to Quick exit first, then to the language picker", [first, second] == ["quick-exit", "language"],
              [first, second])
        accessible(driver, "bg home")
        pick(driver, "ro")
        check("switching to Romanian changes the page and <html lang>", lang(driver) == "ro"
              and text(driver, "start") == "Începe un chat" and text(driver, "quick-exit") == "Ieșire rapidă",
              [lang(driver), text(driver, "start")])
        check("the options built by script are switched too", driver.execute_script(
            "return document.querySelector('#check-kind option[value=phone]').textContent") == "Număr de telefon")
        pick(driver, "bg")
        s = storage(driver)
        check("switching language without Remember me writes nothing", s == {"local": 0, "session": 0, "cookie": ""}, s)
        press(driver, "have-phrase")
        wait(driver, lambda d: visible(d, "screen-resume"))
        picker_there(driver, "bg resume")
        driver.find_element(By.ID, "resume-phrase").send_keys("абв где")
        press(driver, "resume-open")
        wait(driver, lambda d: text(d, "resume-error") != "")
        check("bg: the resume error is Bulgarian, with its number", "12 думи" in text(driver, "resume-error"),
              text(driver, "resume-error"))
        accessible(driver, "bg resume with an error")
        press(driver, "resume-back")
        wait(driver, lambda d: visible(d, "screen-home"))
        press(driver, "start")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        words = phrase_words(driver)
        check("bg: Bulgarian has no BIP39 list, so the phrase is in English", len(words) == 12 and set(words) <= ENGLISH, words)
        picker_there(driver, "bg phrase")
        accessible(driver, "bg phrase")
        hold_relay(driver)
        press(driver, "phrase-saved")
        waiting = wait(driver, lambda d: visible(d, "progress-box") and "Връзката" in text(d, "status"), 5) and visible(driver, "screen-phrase")
        check("bg: the waiting screen shows, with its connection line", waiting, text(driver, "status"))
        check("bg: the connection line is Bulgarian", "Връзката прекъсна" in text(driver, "status"), text(driver, "status"))
        accessible(driver, "bg waiting for the proof of work")
        release_relay(driver)
        check("bg: the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60))
        picker_there(driver, "bg chat")
        accessible(driver, "bg chat")
        press(driver, "toggle-safety")
        driver.find_element(By.ID, "check-value").send_keys("07700 900123")
        press(driver, "check")
        wait(driver, lambda d: text(d, "check-result") != "")
        accessible(driver, "bg checker with a result")
        press(driver, "report-open")
        wait(driver, lambda d: visible(d, "screen-report"))
        picker_there(driver, "bg report")
        press(driver, "identifier-add")
        accessible(driver, "bg report form with a detail row")
        pick(driver, "pl")
        check("switching on the report form relabels the rows and choices", driver.execute_script(
            "return [document.querySelector('#report-identifiers .identifier-title').textContent,"
            " document.querySelector('label[for=report-consent-2] .choice-name').textContent]")
              == ["Szczegół 1", "Ostrzeżcie innych"])
        pick(driver, "bg")
        press(driver, "report-send")
        wait(driver, lambda d: text(d, "report-errors") != "")
        accessible(driver, "bg report form with its errors")
        s = storage(driver)
        check("bg: in a chat without Remember me, nothing is stored, whatever the language switches", s["local"] == 0
              and s["session"] == 0, s)
        body = driver.find_element(By.TAG_NAME, "body")
        for _ in range(3):
            ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        check("bg: Escape 3 times leaves for the neutral page", wait(driver, lambda d: d.current_url.startswith(NEUTRAL), 10),
              driver.current_url)
        del body
        return words
    finally:
        driver.quit()


def spanish_device():
    """A phone set to Spanish: a Spanish phrase, the list switched with the language, Remember me keeping the language."""
    driver = browser("es-ES,es")
    try:
        check("es: the home screen shows", home(driver))
        check("es: <html lang> is es", lang(driver) == "es", lang(driver))
        press(driver, "start")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        words = phrase_words(driver)
        check("es: the phrase is in BIP39's Spanish list", len(words) == 12 and set(words) <= SPANISH, words)
        pick(driver, "en")
        english = phrase_words(driver)
        check("switched to English, the same phrase shows in the English list", len(english) == 12 and set(english) <= ENGLISH,
              english)
        pick(driver, "es")
        check("switched back, the same Spanish words", phrase_words(driver) == words, phrase_words(driver))
        driver.execute_script("document.getElementById('remember-start').click()")
        press(driver, "phrase-saved")
        check("es: the chat opens", wait(driver, lambda d: visible(d, "screen-chat"), 60))
        # A phrase word that is also an everyday word of the page's own texts ("salida") proves nothing either way.
        page, own = driver.execute_script(
            "return [document.documentElement.outerHTML, JSON.stringify(NetreachLanguages).toLowerCase()]")
        telling = [w for w in words if w not in own]
        left = [w for w in telling if w in page]
        check("es: no phrase word is left in the page", telling and not left
              and not driver.find_elements(By.CSS_SELECTOR, "#phrase-words li"), {"checked": telling, "left": left})
        local = driver.execute_script("return Object.assign({}, localStorage)")
        check("with Remember me, the language is kept beside the phrase", sorted(local) == ["netreach.v1.language", "netreach.v1.phrase"]
              and local.get("netreach.v1.language") == "es", local)
        pick(driver, "pl")
        local = driver.execute_script("return Object.assign({}, localStorage)")
        check("with Remember me, a switch is kept", local.get("netreach.v1.language") == "pl", local)
        check("es→pl: the chat's state line is Polish", "odpowiadamy" in text(driver, "chat-state"), text(driver, "chat-state"))
        driver.get(BASE + "/")
        check("reloaded, the remembered chat opens in the remembered language", wait(driver, lambda d: visible(d, "screen-chat"), 30)
              and lang(driver) == "pl", lang(driver))
        press(driver, "forget")
        s = storage(driver)
        check("Forget removes the language with the phrase", s["local"] == 0, s)
        return words
    finally:
        driver.quit()


def fresh_resume(spanish_words, english_words):
    """A fresh profile in English: the Spanish phrase typed without accents, then an English phrase."""
    driver = browser("en-GB,en")
    try:
        # Before any script has run (a slow link): the header with Quick exit, which is all there is to leave by.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*.js"]})
        driver.get(BASE + "/")
        check("first paint: Quick exit is there before any script", wait(driver, lambda d: visible(d, "quick-exit"), 10))
        accessible(driver, "first paint, scripts not yet loaded", headings=False)
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        check("en: the home screen shows", home(driver))
        check("en: <html lang> is en", lang(driver) == "en", lang(driver))
        accessible(driver, "en home")
        checks_can_fail(driver)
        press(driver, "have-phrase")
        wait(driver, lambda d: visible(d, "screen-resume"))
        typed = "  ".join(plain(w).upper() for w in spanish_words)
        check("the typed phrase has no accent", typed == plain(typed), typed)
        driver.find_element(By.ID, "resume-phrase").send_keys(typed)
        press(driver, "resume-open")
        check("the Spanish phrase typed without accents opens its chat", wait(driver, lambda d: visible(d, "screen-chat"), 30),
              text(driver, "resume-error"))
        accessible(driver, "en chat")
        driver.execute_script("document.getElementById('quick-exit').click()")
        check("Quick exit by tap leaves", wait(driver, lambda d: d.current_url.startswith(NEUTRAL), 10), driver.current_url)
        home(driver)
        press(driver, "have-phrase")
        wait(driver, lambda d: visible(d, "screen-resume"))
        driver.find_element(By.ID, "resume-phrase").send_keys(" ".join(english_words))
        press(driver, "resume-open")
        check("an English phrase still opens its chat", wait(driver, lambda d: visible(d, "screen-chat"), 30),
              text(driver, "resume-error"))
        press(driver, "report-open")
        wait(driver, lambda d: visible(d, "screen-report"))
        accessible(driver, "en report form")
        # A report, so that the consent screen can be checked too.
        driver.execute_script(
            "document.getElementById('report-date').value = '2026-11-20';"
            "document.getElementById('report-area').value = 'Leeds';"
            "document.getElementById('report-setting').value = 'outdoor';"
            "document.getElementById('report-harm-threats').click(); document.getElementById('report-consent-1').click();")
        press(driver, "report-send")
        wait(driver, lambda d: visible(d, "screen-chat"), 20)
        if wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#messages .consent-change"), 20):
            driver.execute_script("document.querySelector('#messages .consent-change').click()")
            wait(driver, lambda d: visible(d, "screen-consent"))
            accessible(driver, "en consent screen")
        else:
            check("en: the report shows in the chat", False)
    finally:
        driver.quit()


def fits(driver, where):
    """At this size nothing sticks out past the screen's right edge, and Quick exit is in sight and tappable."""
    wide = driver.execute_script(TOO_WIDE)
    check(where + ": nothing is wider than the screen", not wide["wide"] and wide["layoutWidth"] <= wide["screenWidth"], wide)
    got = driver.execute_script(QUICK_EXIT_HIT)
    check(where + ": Quick exit is in sight and a tap at its centre lands on it", got["hit"] and got["visualTop"] <= got["top"], got)


def large_text():
    """Bulgarian's long words, and English's, at text 200 % on a 360 px phone: no screen gets wider
    than the phone (a phone's browser would then widen the page, and the visitor could scroll the
    sticky Quick exit header out of sight)."""
    driver = browser("bg", font_size=32)
    try:
        check("bg at text 200 %: the home screen shows", home(driver))
        fits(driver, "bg text 200 % home")
        driver.execute_script("document.getElementById('check-title').scrollIntoView()")
        fits(driver, "bg text 200 % safety panel")
        driver.execute_script("window.scrollTo(0, 0); document.getElementById('have-phrase').click()")
        wait(driver, lambda d: visible(d, "screen-resume"))
        fits(driver, "bg text 200 % resume")
        driver.execute_script("document.getElementById('resume-back').click()")
        wait(driver, lambda d: visible(d, "screen-home"))
        driver.execute_script("document.getElementById('report-start').click()")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        fits(driver, "bg text 200 % phrase")
        driver.execute_script("document.getElementById('phrase-saved').click()")
        check("bg at text 200 %: the report form opens", wait(driver, lambda d: visible(d, "screen-report"), 60))
        driver.execute_script("document.getElementById('report-harms').scrollIntoView()")
        fits(driver, "bg text 200 % report form")
        pick(driver, "en")
        fits(driver, "en text 200 % report form")
    finally:
        driver.quit()


# ---- Screenshots (ops/screenshots) ----

def screenshots(directory):
    os.makedirs(directory, exist_ok=True)
    for code in ("en", "bg"):
        driver = browser(code, font_size=32)
        try:
            def shot(name):
                time.sleep(0.3)
                driver.save_screenshot(os.path.join(directory, "%s-text200-%s-360x740.png" % (code, name)))
                if name != "after-quick-exit":
                    fits(driver, "%s screenshots: %s" % (code, name))

            def tap(element_id):  # these are pictures, not a test of tapping: the script clicks
                driver.execute_script("document.getElementById(arguments[0]).click()", element_id)

            def step(name, condition, seconds=20):
                if not check("%s screenshots: %s" % (code, name), wait(driver, condition, seconds)):
                    raise RuntimeError("stopped at " + name)

            step("home", lambda d: home(d))
            shot("home")
            driver.find_element(By.ID, "check-value").send_keys("07700 900123")
            tap("check")
            step("checker answers", lambda d: text(d, "check-result") != "")
            driver.execute_script("document.getElementById('check-result').scrollIntoView({block: 'end'})")
            shot("checker")
            driver.execute_script("window.scrollTo(0, 0)")
            tap("have-phrase")
            step("resume", lambda d: visible(d, "screen-resume"))
            driver.execute_script("document.getElementById('resume-phrase').value = 'abandon ability'")
            tap("resume-open")
            step("resume error", lambda d: text(d, "resume-error") != "")
            driver.execute_script("document.getElementById('resume-phrase').scrollIntoView({block: 'center'})")
            shot("resume-error")
            tap("resume-back")
            step("home again", lambda d: visible(d, "screen-home"))
            tap("start")
            step("phrase", lambda d: visible(d, "screen-phrase"))
            shot("phrase")
            hold_relay(driver)
            tap("phrase-saved")
            step("waiting", lambda d: visible(d, "progress-box") and text(d, "status") != "", 5)
            shot("waiting")
            release_relay(driver)
            step("chat", lambda d: visible(d, "screen-chat"), 60)
            driver.execute_script("document.getElementById('message').value = 'Hello'")
            tap("send")
            step("message sent", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages li")) > 0)
            time.sleep(0.5)
            driver.execute_script("window.scrollTo(0, 0)")
            shot("chat")
            driver.execute_script("document.getElementById('message').scrollIntoView({block: 'center'})")
            shot("chat-message-box")
            tap("report-open")
            step("report form", lambda d: visible(d, "screen-report"))
            shot("report")
            tap("report-send")
            step("report errors", lambda d: text(d, "report-errors") != "")
            driver.execute_script("document.getElementById('report-errors').scrollIntoView({block: 'center'})")
            shot("report-errors")
            tap("quick-exit")
            step("Quick exit", lambda d: d.current_url.startswith(NEUTRAL), 10)
            shot("after-quick-exit")
        finally:
            driver.quit()


def main():
    if SHOTS:
        try:
            screenshots(SHOTS)
        except Exception:
            check("the screenshots were all taken", False, failure())
    else:
        words = {}
        try:
            large_text()
        except Exception:
            check("the large-text part ran to the end", False, failure())
        for name, part in (("bg", bulgarian_device), ("es", spanish_device)):
            try:
                words[name] = part()
            except Exception:
                check("the %s part ran to the end" % name, False, failure())
        try:
            if words.get("bg") and words.get("es"):
                fresh_resume(words["es"], words["bg"])
            else:
                check("the phrases to resume with were made", False, words)
        except Exception:
            check("the resume part ran to the end", False, failure())
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
