#!/usr/bin/python3
"""A visitor in headless Chromium using the Ugly Mugs parts of the page: safety alerts, the checker,
the referral directory, the report form and changes of consent.

  browser_incidents.py BASE_URL NEUTRAL_URL SCREENSHOT_DIR

BrowserTests.swift publishes the alerts before this starts (Leeds and Bradford by an active staff
member, Forgedtown by one revoked since), gives the relay a referral directory, and plays the staff
side: it reads the report and the consent changes, and when the visitor writes "please record
level 2" it records that the visitor said 2 on 2026-11-22. Each check is printed as one JSON line
{"check": name, "ok": bool, "detail": text}; the exit code is 1 if any failed.
Run with Debian's /usr/bin/python3 (python3-selenium, chromium, chromium-driver).
"""
import json
import os
import sys
import traceback

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.dont_write_bytecode = True  # nothing written next to the fixtures
import browser_common  # noqa: E402 (after the line above)
from browser_common import check, choose, press, size, start_browser, storage, text, visible, wait  # noqa: E402

BASE, NEUTRAL, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
# What the checker may not cause: any request, or any WebSocket frame, seen by Chrome's network log.
NETWORK = ("Network.requestWillBeSent", "Network.webSocketCreated", "Network.webSocketFrameSent",
           "Network.webSocketWillSendHandshakeRequest")


def shoot(driver, name, scroll_to=None):
    browser_common.shoot(driver, SHOTS, name, scroll_to)


def network_events(driver):
    """The network events logged since the last call (reading the log empties it)."""
    events = []
    for entry in driver.get_log("performance"):
        method = json.loads(entry["message"])["message"]["method"]
        if method in NETWORK:
            events.append(method)
    return events


def run_check(driver, typed, kind="auto", platform=""):
    """Types into the checker and returns (result, error) as the page shows them."""
    Select(driver.find_element(By.ID, "check-kind")).select_by_value(kind)
    box = driver.find_element(By.ID, "check-value")
    box.clear()
    box.send_keys(typed)
    if kind == "handle":
        platform_box = driver.find_element(By.ID, "check-platform")
        platform_box.clear()
        platform_box.send_keys(platform)
    press(driver, "check")
    wait(driver, lambda d: text(d, "check-result") or text(d, "check-error"), 5)
    return text(driver, "check-result"), text(driver, "check-error")


def entries(driver, kind):
    return [item.get_attribute("textContent") for item in
            driver.find_elements(By.CSS_SELECTOR, "#messages li[data-kind=%s]" % kind)]


def consent_now(driver):
    found = driver.find_elements(By.CSS_SELECTOR, "#messages li[data-kind=report] .consent-now")
    return found[0].get_attribute("textContent") if found else ""


def stored(driver, kind, count):
    """Whether `count` of the visitor's own entries of this kind have two ticks."""
    return len(driver.find_elements(By.CSS_SELECTOR, "#messages li.mine[data-kind=%s] .tick[data-state=stored]" % kind)) == count


def type_into(driver, element_id, value):
    box = driver.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(value)


def identifier_row(driver, index, kind, value, platform=""):
    rows = driver.find_elements(By.CSS_SELECTOR, "#report-identifiers li")
    while len(rows) <= index:
        press(driver, "identifier-add")
        rows = driver.find_elements(By.CSS_SELECTOR, "#report-identifiers li")
    row = rows[index]
    Select(row.find_element(By.CSS_SELECTOR, ".identifier-kind")).select_by_value(kind)
    box = row.find_element(By.CSS_SELECTOR, ".identifier-value")
    box.clear()
    box.send_keys(value)
    if platform:
        row.find_element(By.CSS_SELECTOR, ".identifier-platform").send_keys(platform)


def focused(driver):
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def change_consent(driver, level):
    press(driver, driver.find_element(By.CSS_SELECTOR, "#messages li[data-kind=report] .consent-change"))
    wait(driver, lambda d: visible(d, "screen-consent"))
    choose(driver, "consent-level-%d" % level)
    press(driver, "consent-save")
    return wait(driver, lambda d: visible(d, "screen-chat"))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    if os.path.exists(os.path.join(SHOTS, "failure-incidents.png")):
        os.remove(os.path.join(SHOTS, "failure-incidents.png"))
    driver = start_browser(network_log=True)
    try:
        size(driver, 360, 740)
        driver.get(BASE + "/")
        check("the home screen shows", wait(driver, lambda d: visible(d, "screen-home")))

        # Safety alerts: the two that verify, newest first; the one whose signer was revoked is not shown.
        alerts = [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#alert-list li")]
        check("two verified alerts show, newest first", len(alerts) == 2 and alerts[0].startswith("Leeds, November 2026")
              and alerts[1].startswith("Bradford, October 2026"), alerts)
        check("an alert shows what happened and its summary", "What happened: robbery, threats" in alerts[0]
              and "white van" in alerts[0], alerts)
        check("an alert from a revoked signer is not shown", "Forgedtown" not in text(driver, "safety"), alerts)
        check("the page says one alert could not be checked",
              text(driver, "alerts-unverified") == "1 alert could not be checked and is not shown.", text(driver, "alerts-unverified"))
        check("the alerts' empty state is gone", text(driver, "alerts") == "", text(driver, "alerts"))
        shoot(driver, "alerts", "alerts-title")

        # The checker: on this phone only. Chrome's network log must show no request and no frame.
        loading = network_events(driver)
        check("Chrome's network log sees the page's own requests (so an empty log means something)",
              loading.count("Network.requestWillBeSent") >= 10, loading)
        resources = driver.execute_script("return performance.getEntriesByType('resource').length")
        found, _ = run_check(driver, "07700 900123")
        check("a phone number named by an alert warns", "Warning: 1 alert names this phone number." in found
              and "Leeds, November 2026" in found and "We read this as +447700900123." in found, found)
        shoot(driver, "check-match", "check-title")
        for typed in ("+44 (0)7700-900123", " 07700-900-123 "):
            found, _ = run_check(driver, typed)
            check("messy typing of the number matches: %r" % typed, "Warning: 1 alert names this phone number." in found, found)
        for typed in ("ab12 cde", " AB12-CDE "):
            found, _ = run_check(driver, typed)
            check("a plate named by an alert warns: %r" % typed, "Warning: 1 alert names this number plate." in found
                  and "Leeds" in found, found)
        found, _ = run_check(driver, "Dave@Example.com")
        check("an email named by the older alert warns", "Warning: 1 alert names this email address." in found
              and "Bradford" in found, found)
        for typed in ("07700 900124", "AB12 CDF", "07700 900999"):
            found, _ = run_check(driver, typed)
            check("a near miss, or the revoked signer's number, finds nothing: %r" % typed, "No alert names this" in found
                  and "No alert is not proof that someone is safe" in found, found)
        shoot(driver, "check-none", "check-title")
        check("the website box shows only for a username", not visible(driver, "check-platform-box"))
        found, _ = run_check(driver, "@BigDave", kind="handle", platform="AdultWork")
        check("a username is checked with its website", "We read this as adultwork:bigdave." in found
              and "No alert names this username." in found, found)
        _, error = run_check(driver, "12345", kind="phone")
        check("a number that cannot be a phone number is named", "“12345” is not a phone number we can use" in error, error)
        check("the field is marked invalid", driver.find_element(By.ID, "check-value").get_attribute("aria-invalid") == "true")
        _, error = run_check(driver, "   ")
        check("an empty check asks for something to check", "Please type a phone number" in error, error)
        after = network_events(driver)
        check("no request and no WebSocket frame during any check", after == [], after)
        check("no new resource was fetched during any check",
              driver.execute_script("return performance.getEntriesByType('resource').length") == resources)

        # The referral directory, filtered by need.
        services = driver.find_elements(By.CSS_SELECTOR, "#referrals li h4")
        check("every service is listed", [s.get_attribute("textContent") for s in services]
              == ["Test Housing Advice", "Test Sexual Health Clinic", "Test Violence Advocates"],
              [s.get_attribute("textContent") for s in services])
        check("the count is said", text(driver, "referrals-state") == "Showing 3 of 3 services.", text(driver, "referrals-state"))
        link = driver.find_element(By.CSS_SELECTOR, "#referrals a[href^='tel:']")
        check("a phone-looking contact is a tel: link", link.get_attribute("href") == "tel:01134960000"
              and link.get_attribute("textContent") == "0113 496 0000", link.get_attribute("href"))
        need = Select(driver.find_element(By.ID, "referral-need"))
        need.select_by_value("housing")
        names = [s.get_attribute("textContent") for s in driver.find_elements(By.CSS_SELECTOR, "#referrals li h4")]
        check("filtering by housing leaves the housing service", names == ["Test Housing Advice"], names)
        need.select_by_value("violence")
        names = [s.get_attribute("textContent") for s in driver.find_elements(By.CSS_SELECTOR, "#referrals li h4")]
        check("filtering by violence leaves the advocates", names == ["Test Violence Advocates"], names)
        check("the filtered count is said", text(driver, "referrals-state") == "Showing 1 of 3 services.")
        shoot(driver, "referrals", "referrals-title")
        need.select_by_value("immigration")
        check("a need nobody listed meets a plain answer", not driver.find_elements(By.CSS_SELECTOR, "#referrals li")
              and "None of the services listed here helps with that" in text(driver, "referrals-state"))
        need.select_by_value("")

        # Report a dangerous person from the home screen: a chat is set up first, then the form opens.
        press(driver, "report-start")
        wait(driver, lambda d: visible(d, "screen-phrase"))
        words = [item.get_attribute("textContent") for item in driver.find_elements(By.CSS_SELECTOR, "#phrase-words li .word")]
        check("the phrase screen says the report goes through the chat", visible(driver, "phrase-report-note"))
        press(driver, "phrase-saved")
        check("after the chat opens, the report form shows", wait(driver, lambda d: visible(d, "screen-report"), 60))
        check("the report form's heading has focus", focused(driver) == "report-title", focused(driver))
        check("the police contact shows only with level 4", not visible(driver, "report-police-box"))

        press(driver, "report-send")
        errors = text(driver, "report-errors")
        for expected in ("The day: please give the day it happened.", "Town or area: please say where it happened.",
                         "Where it happened: please choose one.", "What happened: please tick at least one.",
                         "What we may do: please choose one."):
            check("an empty report names: " + expected, expected in errors, errors)
        check("the first field at fault takes focus", focused(driver) == "report-date", focused(driver))
        check("the errors are announced", driver.find_element(By.ID, "report-errors").get_attribute("role") == "alert")
        check("a field at fault is marked", driver.find_element(By.ID, "report-area").get_attribute("aria-invalid") == "true")
        shoot(driver, "report-errors", "report-title")

        driver.execute_script("var d = document.getElementById('report-date'); d.value = '2026-11-20';"
                              " d.dispatchEvent(new Event('input', {bubbles: true}));")
        Select(driver.find_element(By.ID, "report-time")).select_by_value("evening")
        type_into(driver, "report-area", "  Chapeltown Road, Leeds ")
        Select(driver.find_element(By.ID, "report-setting")).select_by_value("online-arranged")
        choose(driver, "report-harm-robbery")
        choose(driver, "report-harm-threats")
        identifier_row(driver, 0, "phone", "12345")
        identifier_row(driver, 1, "plate", "ab12 cde")
        identifier_row(driver, 2, "handle", "@BigDave", "AdultWork")
        identifier_row(driver, 3, "email", " Dave@Example.COM ")
        type_into(driver, "report-description", 'Tall, grey hair, calls himself "Dave".')
        type_into(driver, "report-account", 'He took the money back.\nThen he said "I know where you live".')
        choose(driver, "report-support")
        choose(driver, "report-consent-4")
        check("the police contact shows at level 4", visible(driver, "report-police-box"))
        type_into(driver, "report-police", "Only by text")
        choose(driver, "report-consent-2")
        check("the police contact hides again below level 4", not visible(driver, "report-police-box"))
        press(driver, "report-send")
        errors = text(driver, "report-errors")
        check("a bad phone number is named with its detail", "Detail 1: “12345” is not a phone number we can use" in errors, errors)
        check("only that problem is named", errors.count("“") == 1 and "The day" not in errors, errors)
        identifier_row(driver, 0, "phone", "07700 900123")
        shoot(driver, "report-form", "report-identifiers")
        press(driver, "report-send")
        check("after sending, the chat shows", wait(driver, lambda d: visible(d, "screen-chat")))
        check("the report is stored (two ticks)", wait(driver, lambda d: stored(d, "report", 1), 30), entries(driver, "report"))
        report = (entries(driver, "report") or [""])[0]
        check("the report shows as a report, in words", "You reported a dangerous person." in report
              and "20 November 2026, in the evening. Chapeltown Road, Leeds." in report
              and "What happened: robbery, threats" in report, report)
        check("the consent given shows", consent_now(driver) == "What we may do now: Warn others.", consent_now(driver))
        check("the form is empty again", driver.find_element(By.ID, "report-area").get_attribute("value") == ""
              and driver.find_element(By.ID, "report-account").get_attribute("value") == "")
        shoot(driver, "chat-report", "messages")

        # Consent, up and down.
        press(driver, driver.find_element(By.CSS_SELECTOR, "#messages li[data-kind=report] .consent-change"))
        check("the consent screen shows", wait(driver, lambda d: visible(d, "screen-consent")))
        check("the consent screen's heading has focus", focused(driver) == "consent-title", focused(driver))
        check("the consent screen shows the level now", text(driver, "consent-current") == "What we may do now: Warn others."
              and driver.find_element(By.ID, "consent-level-2").is_selected(), text(driver, "consent-current"))
        press(driver, "consent-save")
        check("saving the same level says so", text(driver, "consent-error") == "That is already your choice.")
        choose(driver, "consent-level-4")
        check("level 4 says to tell us how the police can reach you", visible(driver, "consent-police-note"))
        choose(driver, "consent-level-3")
        shoot(driver, "consent", "consent-title")
        press(driver, "consent-save")
        check("back in the chat after the change", wait(driver, lambda d: visible(d, "screen-chat")))
        check("raising consent is stored", wait(driver, lambda d: stored(d, "consent", 1), 30), entries(driver, "consent"))
        check("the level now is raised", consent_now(driver) == "What we may do now: Tell the police, without my details.",
              consent_now(driver))
        check("the change shows in the chat", "You changed what we may do with your report of 20 November 2026: "
              "Tell the police, without my details." in entries(driver, "consent")[0], entries(driver, "consent"))
        check("lowering consent works too", change_consent(driver, 1) and wait(driver, lambda d: stored(d, "consent", 2), 30))
        check("the level now is lowered", consent_now(driver) == "What we may do now: Just listen.", consent_now(driver))
        check("the lowering shows in the chat", any("of 20 November 2026: Just listen." in e for e in entries(driver, "consent")),
              entries(driver, "consent"))
        # Staff record what the visitor says next (here in the chat): it counts, and says who recorded it.
        type_into(driver, "message", "please record level 2")
        press(driver, "send")
        check("a change staff recorded shows with the day the visitor said it",
              wait(driver, lambda d: any("Sam recorded that you said on 22 November 2026: Warn others" in e
                                         for e in entries(d, "consent")), 30), entries(driver, "consent"))
        check("the level now follows the last change", wait(driver, lambda d: consent_now(d) == "What we may do now: Warn others."),
              consent_now(driver))
        problems = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        check("the console has no errors (no CSP violation)", not problems, problems)
        check("nothing is kept in the browser", storage(driver) == {"local": 0, "session": 0, "cookie": ""}, storage(driver))

        # The history read back with the phrase: reports and consent changes in words, not as raw events.
        driver.refresh()
        wait(driver, lambda d: visible(d, "screen-home"))
        press(driver, "have-phrase")
        type_into(driver, "resume-phrase", " ".join(words))
        press(driver, "resume-open")
        check("the chat opens again with the phrase", wait(driver, lambda d: visible(d, "screen-chat"), 30))
        check("the report comes back from the history", wait(driver, lambda d: len(entries(d, "report")) == 1
                                                             and len(entries(d, "consent")) == 3, 30),
              [entries(driver, "report"), entries(driver, "consent")])
        check("the level now is read from the history", consent_now(driver) == "What we may do now: Warn others.",
              consent_now(driver))
        check("no entry could not be opened", "could not be opened" not in text(driver, "messages"), text(driver, "messages"))

        # A draft, then Quick exit: nothing of it stays.
        press(driver, "report-open")
        wait(driver, lambda d: visible(d, "screen-report"))
        type_into(driver, "report-area", "Secret Street")
        press(driver, "quick-exit")
        check("Quick exit from the report form lands on the neutral page", wait(driver, lambda d: d.current_url == NEUTRAL, 10),
              driver.current_url)
        driver.back()
        check("Back does not return to the report form", not driver.current_url.startswith(BASE), driver.current_url)
        driver.get(BASE + "/health")
        check("after Quick exit, nothing is kept for the relay's origin",
              storage(driver) == {"local": 0, "session": 0, "cookie": ""}, storage(driver))
    except Exception:
        driver.save_screenshot(os.path.join(SHOTS, "failure-incidents.png"))
        check("the script ran to the end", False, traceback.format_exc()[-500:])
    finally:
        driver.quit()
    print(json.dumps({"summary": {"failed": browser_common.failure_count()}}), flush=True)
    return 1 if browser_common.failure_count() else 0


if __name__ == "__main__":
    sys.exit(main())
