// The safety panel's parts that come from the relay (docs/WEB.md, "safety and help"): the safety
// alerts of GET /v1/alerts, shown only when they verify against the keyring; the checker, which
// compares a typed number or plate with the alerts already here and asks nobody anything; and the
// referral directory of GET /v1/referrals, filtered by need. Text only ever as textContent.
(function (root) {
  'use strict';
  var S = root.NetreachStrings;
  var U = root.NetreachUI;
  var $ = U.$, t = U.t, el = U.el;
  var TOPICS = ['violence', 'sexual-health', 'housing', 'money', 'drugs-alcohol', 'mental-health', 'immigration', 'exploitation',
    'legal', 'safety-advice', 'other'];
  var REFRESH_MS = 10 * 60 * 1000;

  // `app.state()` is the page's state (deployment, keyring); `app.getJSON(path)` fetches from the relay.
  function create(app) {
    var I = root.NetreachIncidents, B = root.NetreachBytes;
    // null until loaded; then {alerts, rejected}, or {failed: true}.
    var feed = null;
    var fetchedAt = 0;
    var salt = null;
    var services = null;

    function build() {
      var kind = $('check-kind');
      ['auto', 'phone', 'email', 'handle', 'plate'].forEach(function (name) {
        var option = U.label(el('option'), 'checkKinds.' + name);
        option.value = name;
        kind.appendChild(option);
      });
      kind.addEventListener('change', platformBox);
      $('check-form').addEventListener('submit', function (event) {
        event.preventDefault();
        check();
      });
      var need = $('referral-need');
      need.appendChild(optionOf('', 'referralsAnyNeed'));
      TOPICS.forEach(function (topic) { need.appendChild(optionOf(topic, 'topics.' + topic, true)); });
      need.addEventListener('change', renderReferrals);
    }

    function optionOf(value, key, capitalised) {
      var option = U.label(el('option'), key, null, capitalised);
      option.value = value;
      return option;
    }

    function platformBox() { $('check-platform-box').hidden = $('check-kind').value !== 'handle'; }

    // ---- Alerts ----

    // Takes the fetched feed (or null when the fetch failed) and the referral directory; never throws.
    function loaded(alertsDocument, referralsDocument) {
      var state = app.state();
      fetchedAt = Date.now();
      salt = null;
      try { salt = I.feedSalt(B.fromB64u(state.deployment.organisationKey)); } catch (e) { salt = null; }
      if (!alertsDocument || !salt) {
        feed = { failed: true };
      } else {
        try {
          feed = I.verifyFeed(alertsDocument, state.keyring);
        } catch (e) {
          feed = { failed: true };
        }
      }
      renderAlerts();
      services = readServices(referralsDocument);
      renderReferrals();
    }

    // Fetches the feed again when the panel opens and it is old; a check never fetches anything.
    function refresh() {
      if (Date.now() - fetchedAt < REFRESH_MS) return;
      fetchedAt = Date.now();
      app.getJSON('/v1/alerts').then(function (document) { loaded(document, servicesDocument()); }, function () { /* keep what we have */ });
    }

    function servicesDocument() { return services ? { services: services } : null; }

    function renderAlerts() {
      var list = $('alert-list');
      list.textContent = '';
      var state = app.state();
      if (feed.failed) {
        U.setText('alerts', t(state.keyring ? 'alertsUnavailable' : 'alertsUnchecked'));
        U.setText('alerts-unverified', '');
        return;
      }
      if (!state.keyring && feed.rejected) {
        U.setText('alerts', t('alertsUnchecked'));
        U.setText('alerts-unverified', '');
        return;
      }
      U.setText('alerts', feed.alerts.length ? '' : t('alertsNone'));
      feed.alerts.forEach(function (alert) { list.appendChild(alertItem(alert, 'h4')); });
      U.setText('alerts-unverified', feed.rejected === 0 ? '' : t('alertsUnverified', { count: feed.rejected }));
    }

    function alertItem(alert, heading) {
      var item = el('li', 'alert');
      item.appendChild(el(heading, 'alert-place', t('alertPlace', { area: alert.area, month: U.day(alert.month) })));
      item.appendChild(el('p', 'alert-what', t('alertWhat', { harms: U.harmList(alert.harms) })));
      if (alert.summary) item.appendChild(el('p', 'alert-summary', alert.summary));
      return item;
    }

    // ---- The checker: on this device only ----

    // Normalises and hashes what was typed and compares it with the verified alerts already held.
    // It makes no request of any kind, so the relay never learns what was checked.
    function check() {
      var input = $('check-value'), result = $('check-result');
      U.setText('check-error', '');
      input.removeAttribute('aria-invalid');
      result.textContent = '';
      var id;
      try {
        id = I.checkedIdentifier($('check-kind').value, input.value, $('check-platform').value);
      } catch (e) {
        if (!(e instanceof I.Problem)) throw e;
        input.setAttribute('aria-invalid', 'true');
        U.setText('check-error', U.format(S.problems[e.key], e.params));
        input.focus();
        return;
      }
      result.appendChild(el('p', 'check-read', t('checkRead', { value: I.describe(id) })));
      if (!feed || feed.failed || !salt || (!app.state().keyring && feed.rejected)) {
        result.appendChild(el('p', 'check-none', t('checkUnavailable')));
        return;
      }
      var kind = S.kindNames[id.kind];
      var found = I.matching(feed.alerts, id, salt);
      if (found.length === 0) {
        result.appendChild(el('p', 'check-none', t('checkNone', { kind: kind })));
        result.appendChild(el('p', null, t('checkNoneAdvice')));
        return;
      }
      result.appendChild(el('p', 'check-warning', t('checkMatch', { kind: kind, count: found.length })));
      var list = el('ul', 'alerts check-alerts');
      found.forEach(function (alert) { list.appendChild(alertItem(alert, 'p')); });
      result.appendChild(list);
      result.appendChild(el('p', null, t('checkMatchAdvice')));
    }

    // ---- Referrals ----

    function readServices(document) {
      if (!document || !Array.isArray(document.services)) return null;
      return document.services.filter(function (s) {
        return s && typeof s.name === 'string' && Array.isArray(s.helpsWith) && typeof s.area === 'string'
          && typeof s.contact === 'string' && (s.hours === undefined || typeof s.hours === 'string');
      });
    }

    function renderReferrals() {
      var list = $('referrals');
      list.textContent = '';
      if (!services) {
        U.setText('referrals-state', t('referralsUnavailable'));
        return;
      }
      var need = $('referral-need').value;
      var shown = services.filter(function (s) { return !need || s.helpsWith.indexOf(need) >= 0; });
      shown.forEach(function (service) { list.appendChild(serviceItem(service)); });
      U.setText('referrals-state', services.length === 0 ? t('referralsNone') : shown.length === 0 ? t('referralsNoneForNeed')
        : t('referralsCount', { shown: shown.length, total: services.length }));
    }

    function serviceItem(service) {
      var item = el('li', 'service');
      item.appendChild(el('h4', null, service.name));
      item.appendChild(el('p', null, t('referralArea', { area: service.area })));
      var topics = service.helpsWith.map(function (topic) { return S.topics[topic] || topic; }).join(S.listJoin);
      item.appendChild(el('p', null, t('referralHelpsWith', { topics: topics })));
      var contact = el('p', null, t('referralContact'));
      // A contact that starts with a phone number gets a tel: link for it; the rest stays text.
      var phone = /^(\+?[0-9][0-9 ()-]{4,}[0-9])(.*)$/.exec(service.contact);
      if (phone && phone[1].replace(/[^0-9]/g, '').length >= 6) {
        var link = el('a', null, phone[1]);
        link.href = 'tel:' + phone[1].replace(/[^0-9+]/g, '');
        contact.appendChild(link);
        if (phone[2]) contact.appendChild(doc().createTextNode(phone[2]));
      } else {
        contact.appendChild(doc().createTextNode(service.contact));
      }
      item.appendChild(contact);
      if (service.hours) item.appendChild(el('p', null, t('referralHours', { hours: service.hours })));
      return item;
    }

    function doc() { return root.document; }

    // Quick exit and a new chat: what was typed into the checker and its answer go.
    function wipe() {
      $('check-value').value = '';
      $('check-platform').value = '';
      $('check-result').textContent = '';
      U.setText('check-error', '');
    }

    // The alerts and services again, in the language now in use.
    function relabel() {
      if (!fetchedAt) return;
      renderAlerts();
      renderReferrals();
    }

    return { build: build, loaded: loaded, refresh: refresh, check: check, wipe: wipe, relabel: relabel };
  }

  root.NetreachSafety = { create: create, TOPICS: TOPICS };
})(typeof self !== 'undefined' ? self : globalThis);
