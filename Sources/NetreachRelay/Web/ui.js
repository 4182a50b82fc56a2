// Drawing the visitor page: texts from strings.js, screens, the phrase, messages and the safety
// panel. Text goes in with textContent only, never as HTML, so nothing a message holds can run.
(function (root) {
  'use strict';
  var S = root.NetreachStrings;
  var doc = root.document;

  function $(id) { return doc.getElementById(id); }

  // `text` with each {name} replaced from `params`. A plural text ({ plural: 'name', one: …, other: … })
  // first takes the form the language's plural rules give for the number in params[name].
  function format(text, params) {
    if (text && typeof text === 'object' && typeof text.plural === 'string') text = pluralForm(text, params);
    if (typeof text !== 'string') return '';
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && params[name] !== undefined ? String(params[name]) : whole;
    });
  }

  function pluralForm(forms, params) {
    var n = Number(params ? params[forms.plural] : NaN), category = 'other';
    try { category = new Intl.PluralRules(S.lang).select(n); } catch (e) { category = n === 1 ? 'one' : 'other'; }
    return forms[category] !== undefined ? forms[category] : forms.other;
  }

  // The text at a key or a dotted path ("checkKinds.auto", "consentNames.2").
  function lookup(key) {
    var value = S;
    String(key).split('.').forEach(function (part) { value = value && typeof value === 'object' ? value[part] : undefined; });
    return value;
  }

  // The string `key` with each {name} replaced from `params`.
  function t(key, params) {
    var text = lookup(key);
    return format(typeof text === 'string' || (text && typeof text.plural === 'string') ? text : key, params);
  }

  // "20 November 2026" for 2026-11-20, "November 2026" for 2026-11.
  function day(text) {
    var parts = String(text).split('-');
    return parts.length === 3
      ? t('dayMonthYear', { day: +parts[2], month: S.monthsInDate[+parts[1] - 1] || parts[1], year: parts[0] })
      : t('monthYear', { month: S.months[+parts[1] - 1] || parts[1], year: parts[0] });
  }

  function harmList(harms) { return harms.map(function (h) { return S.harms[h] || h; }).join(S.listJoin); }

  function capital(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

  // Gives an element its text from the table, and remembers the key (and any parameters) so that
  // fill() can write it again in another language.
  function label(element, key, params, capitalised) {
    element.setAttribute('data-text', key);
    if (params) element.setAttribute('data-params', JSON.stringify(params));
    else element.removeAttribute('data-params');
    if (capitalised) element.setAttribute('data-capital', '');
    element.textContent = capitalised ? capital(t(key, params)) : t(key, params);
    return element;
  }

  // Every text marked with data-text, in the language now in use.
  function fill() {
    doc.documentElement.lang = S.lang;
    doc.documentElement.dir = S.dir;
    doc.title = S.pageTitle;
    Array.prototype.forEach.call(doc.querySelectorAll('[data-text]'), function (element) {
      var params = element.getAttribute('data-params');
      var text = t(element.getAttribute('data-text'), params ? JSON.parse(params) : undefined);
      element.textContent = element.hasAttribute('data-capital') ? capital(text) : text;
    });
  }

  function el(tag, className, text) {
    var element = doc.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  var SCREENS = ['screen-loading', 'screen-home', 'screen-phrase', 'screen-resume', 'screen-chat', 'screen-report', 'screen-consent'];

  // Shows one screen and moves focus to its heading, so a screen reader says where the visitor is.
  function show(screen) {
    SCREENS.forEach(function (id) { $(id).hidden = id !== screen; });
    var heading = $(screen).querySelector('h1');
    if (heading) heading.focus();
    root.scrollTo(0, 0);
  }

  function current() {
    for (var i = 0; i < SCREENS.length; i++) if (!$(SCREENS[i]).hidden) return SCREENS[i];
    return null;
  }

  function setText(id, text) { $(id).textContent = text || ''; }

  function renderPhrase(words) {
    var list = $('phrase-words');
    list.textContent = '';
    words.forEach(function (word, i) {
      var item = el('li');
      var number = el('span', 'n', (i + 1) + '.');
      number.setAttribute('aria-hidden', 'true');
      item.appendChild(number);
      item.appendChild(el('span', 'word', word));
      item.setAttribute('aria-label', t('phraseWord', { n: i + 1 }) + ': ' + word);
      list.appendChild(item);
    });
  }

  function time(milliseconds) {
    try {
      return new Date(milliseconds).toLocaleTimeString(S.lang, { hour: '2-digit', minute: '2-digit' });
    } catch (e) {
      return '';
    }
  }

  var TICKS = { sending: '…', sent: '✓', stored: '✓✓', failed: '!' };

  // A report or a consent change in the chat, in words (docs/INCIDENTS.md).
  function buildIncident(item, message, incidents) {
    if (message.kind === 'report') {
      var report = message.report;
      item.appendChild(el('span', 'text', message.mine ? t('reportEntryMine') : t('reportEntryTheirs', { name: message.author })));
      item.appendChild(el('span', 'detail', t('reportEntryWhen',
        { date: day(report.date), time: S.timesInEntry[report.time], area: report.area })));
      item.appendChild(el('span', 'detail', t('alertWhat', { harms: harmList(report.harms) })));
      item.appendChild(el('span', 'detail consent-now'));
      var change = el('button', 'link consent-change', t('consentChange'));
      change.type = 'button';
      change.addEventListener('click', function () { incidents.changeConsent(message); });
      item.appendChild(change);
      return;
    }
    var c = message.change, level = S.consentNames[c.level];
    var reported = incidents.report(c.incident);
    var text = !message.counts ? t('consentEntryIgnored')
      : !reported ? t('consentEntryOther', { level: level })
        : message.mine ? t('consentEntryMine', { date: day(reported.report.date), level: level })
          : t('consentEntryTheirs', { name: message.author, said: day(c.visitorSaidOn), level: level, date: day(reported.report.date) });
    item.appendChild(el('span', 'text', text));
  }

  // Redraws the list only where it changed: new items are appended (which the log region reads
  // out), existing ones updated in place (which it does not). `incidents` gives a report's consent
  // now (`level(message)`), the report an incident id names (`report(id)`), and opens a change (`changeConsent`).
  function renderMessages(messages, retry, incidents) {
    var list = $('messages');
    var items = {};
    Array.prototype.forEach.call(list.children, function (item) { items[item.getAttribute('data-id')] = item; });
    var nearBottom = root.innerHeight + root.scrollY >= doc.body.scrollHeight - 80;
    messages.forEach(function (message, index) {
      var item = items[message.id];
      if (!item) {
        var incident = message.kind === 'report' || message.kind === 'consent';
        item = el('li', (message.kind === 'note' ? 'note' : message.mine ? 'mine' : 'theirs') + (incident ? ' incident' : ''));
        item.setAttribute('data-id', message.id);
        if (incident) item.setAttribute('data-kind', message.kind);
        if (message.kind !== 'note') item.appendChild(el('span', 'who', message.mine ? t('you') : message.author));
        if (incident) buildIncident(item, message, incidents);
        else item.appendChild(el('span', 'text', message.text));
        if (message.kind !== 'note') item.appendChild(el('span', 'meta'));
      }
      if (list.children[index] !== item) list.insertBefore(item, list.children[index] || null);
      var now = item.querySelector('.consent-now');
      if (now) {
        var level = incidents.level(message);
        if (now.getAttribute('data-level') !== String(level)) {
          now.setAttribute('data-level', String(level));
          now.textContent = t('consentNow', { level: S.consentNames[level] });
        }
      }
      var meta = item.querySelector('.meta');
      if (meta && meta.getAttribute('data-state') !== message.state + message.time) {
        meta.setAttribute('data-state', message.state + message.time);
        meta.textContent = '';
        meta.appendChild(el('time', null, time(message.time)));
        if (message.mine) {
          var tick = el('span', 'tick' + (message.state === 'failed' ? ' failed' : ''), TICKS[message.state]);
          tick.setAttribute('role', 'img');
          tick.setAttribute('aria-label', t(message.state));
          tick.setAttribute('title', t(message.state));
          tick.setAttribute('data-state', message.state);
          meta.appendChild(tick);
          if (message.state === 'failed') {
            var again = el('button', 'link', t('retry'));
            again.type = 'button';
            again.addEventListener('click', function () { retry(message); });
            meta.appendChild(again);
          }
        }
      }
    });
    $('no-messages').hidden = messages.length > 0;
    if (nearBottom) root.scrollTo(0, doc.body.scrollHeight);
  }

  function renderSafety(deployment, dutyText) {
    var numbers = $('emergency');
    numbers.textContent = '';
    (deployment.emergencyNumbers || []).forEach(function (entry) {
      var item = el('li');
      item.appendChild(el('span', null, entry.label + ': '));
      var link = el('a', null, entry.number);
      link.href = 'tel:' + entry.number.replace(/[^0-9+]/g, '');
      item.appendChild(link);
      numbers.appendChild(item);
    });
    var hours = $('hours');
    hours.textContent = '';
    var sessions = (deployment.openingHours && deployment.openingHours.sessions) || [];
    sessions.forEach(function (session) {
      var days = session.days.map(function (day) { return S.days[day] || day; }).join(S.dayJoin);
      hours.appendChild(el('li', null, t('hoursLine', { days: days, opens: session.opens, closes: session.closes })));
    });
    if (sessions.length === 0) hours.appendChild(el('li', null, t('hoursNone')));
    setText('hours-zone', sessions.length ? t('hoursZone', { zone: deployment.openingHours.timeZone }) : '');
    setText('duty-safety', dutyText);
    // How long the service keeps what is said (docs/PRIVACY.md): the policy in force, as the relay says.
    var kept = deployment.retention;
    setText('retention-messages', kept ? t('keptMessages', { days: kept.messagesDays }) : '');
    setText('retention-reports', kept ? t('keptReports', { days: kept.incidentsDays }) : '');
  }

  root.NetreachUI = {
    $: $, t: t, format: format, day: day, harmList: harmList, capital: capital, label: label, el: el, fill: fill, show: show, current: current, setText: setText,
    renderPhrase: renderPhrase, renderMessages: renderMessages, renderSafety: renderSafety
  };
})(typeof self !== 'undefined' ? self : globalThis);
