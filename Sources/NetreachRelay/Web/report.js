// "Report a dangerous person" and "Change what we may do" (docs/WEB.md, docs/INCIDENTS.md): the
// report form, checked by NetreachIncidents.checkReport with every problem named at its field, sent
// through the chat as incident.reported; and the consent screen, which sends consent.changed. The
// draft lives only in the form; Quick exit and a new chat empty it.
(function (root) {
  'use strict';
  var S = root.NetreachStrings;
  var U = root.NetreachUI;
  var $ = U.$, t = U.t, el = U.el;
  var LEVELS = [1, 2, 3, 4];

  // `app.state()` is the page's state; `chat` sends (NetreachChat).
  function create(app, chat) {
    var I = root.NetreachIncidents;
    var rowCount = 0;
    // The report entry whose consent the consent screen changes.
    var consentFor = null;

    function build() {
      I.TIMES.forEach(function (name) { $('report-time').appendChild(option(name, 'times.' + name)); });
      $('report-time').value = 'unknown';
      $('report-setting').appendChild(option('', 'settingChoose'));
      I.SETTINGS.forEach(function (name) { $('report-setting').appendChild(option(name, 'settings.' + name)); });
      I.HARMS.forEach(function (name) {
        $('report-harms').appendChild(choice('checkbox', 'harm', 'report-harm-' + name, name, 'harms.' + name, null, true));
      });
      LEVELS.forEach(function (level) {
        $('report-consent').appendChild(choice('radio', 'report-consent', 'report-consent-' + level, String(level),
          'consentNames.' + level, 'consentExplain.' + level));
        $('consent-choices').appendChild(choice('radio', 'consent-level', 'consent-level-' + level, String(level),
          'consentNames.' + level, 'consentExplain.' + level));
      });
      $('report-consent').addEventListener('change', policeBox);
      $('consent-choices').addEventListener('change', function () {
        $('consent-police-note').hidden = chosen('consent-level') !== 4;
      });
      $('identifier-add').addEventListener('click', function () {
        var row = addRow();
        row.querySelector('input').focus();
      });
      // A field the visitor is changing is no longer marked as at fault, and its problem goes.
      $('report-form').addEventListener('input', fieldChanged);
      $('report-form').addEventListener('change', fieldChanged);
      $('report-form').addEventListener('submit', function (event) {
        event.preventDefault();
        submit();
      });
      $('report-cancel').addEventListener('click', backToChat);
      $('consent-form').addEventListener('submit', function (event) {
        event.preventDefault();
        saveConsent();
      });
      $('consent-cancel').addEventListener('click', backToChat);
      clear();
    }

    // An option whose text is the table's `key`.
    function option(value, key) {
      var o = U.label(el('option'), key);
      o.value = value;
      return o;
    }

    // A checkbox or radio button with its label (and a line that explains it), texts by their keys.
    function choice(type, name, id, value, key, explanationKey, capitalised) {
      var box = el('div', 'choice');
      var input = el('input');
      input.type = type;
      input.name = name;
      input.id = id;
      input.value = value;
      var label = el('label');
      label.htmlFor = id;
      label.appendChild(U.label(el('span', 'choice-name'), key, null, capitalised));
      if (explanationKey) {
        var help = U.label(el('span', 'choice-help'), explanationKey);
        help.id = id + '-help';
        input.setAttribute('aria-describedby', help.id);
        label.appendChild(help);
      }
      box.appendChild(input);
      box.appendChild(label);
      return box;
    }

    function chosen(name) {
      var input = root.document.querySelector('input[name="' + name + '"]:checked');
      return input ? Number(input.value) : null;
    }

    function policeBox() { $('report-police-box').hidden = chosen('report-consent') !== 4; }

    // One perpetrator detail: what it is, the value, and for a username its website or app.
    function addRow() {
      var n = ++rowCount;
      var row = el('li', 'identifier');
      row.setAttribute('data-row', String(n));
      var kindId = 'identifier-kind-' + n, valueId = 'identifier-value-' + n, platformId = 'identifier-platform-' + n;
      row.appendChild(el('p', 'identifier-title'));
      var kind = el('select');
      kind.id = kindId;
      kind.className = 'identifier-kind';
      I.IDENTIFIER_KINDS.forEach(function (name) { kind.appendChild(option(name, 'checkKinds.' + name)); });
      row.appendChild(field(kindId, 'identifierKindLabel', kind));
      var value = el('input');
      value.type = 'text';
      value.id = valueId;
      value.className = 'identifier-value';
      value.autocomplete = 'off';
      value.setAttribute('autocapitalize', 'none');
      value.spellcheck = false;
      row.appendChild(field(valueId, 'identifierValueLabel', value));
      var platform = el('input');
      platform.type = 'text';
      platform.id = platformId;
      platform.className = 'identifier-platform';
      platform.autocomplete = 'off';
      platform.setAttribute('autocapitalize', 'none');
      platform.spellcheck = false;
      var platformField = field(platformId, 'identifierPlatformLabel', platform);
      platformField.hidden = true;
      row.appendChild(platformField);
      kind.addEventListener('change', function () { platformField.hidden = kind.value !== 'handle'; });
      var remove = el('button', 'link identifier-remove');
      remove.type = 'button';
      remove.addEventListener('click', function () {
        row.parentNode.removeChild(row);
        renumber();
        $('identifier-add').focus();
      });
      row.appendChild(remove);
      $('report-identifiers').appendChild(row);
      renumber();
      return row;
    }

    function field(id, key, control) {
      var box = el('div', 'field');
      var label = U.label(el('label'), key);
      label.htmlFor = id;
      box.appendChild(label);
      box.appendChild(control);
      return box;
    }

    function rows() { return Array.prototype.slice.call(root.document.querySelectorAll('#report-identifiers li')); }

    function renumber() {
      rows().forEach(function (row, i) {
        U.label(row.querySelector('.identifier-title'), 'identifierRow', { n: i + 1 });
        U.label(row.querySelector('.identifier-remove'), 'identifierRemove', { n: i + 1 });
      });
      $('identifier-add').hidden = rows().length >= I.LIMITS.identifiers;
    }

    // ---- The report ----

    function open() {
      var state = app.state();
      if (!state.entered || !state.conversationKey) return;
      clearProblems();
      $('safety').hidden = true;
      U.show('screen-report');
    }

    // What the form holds, as checkReport takes it; `rowsUsed` are the detail rows that hold something, in order.
    function draft() {
      var used = rows().filter(function (row) { return row.querySelector('.identifier-value').value.trim() !== ''; });
      var consent = chosen('report-consent');
      return {
        rowsUsed: used,
        draft: {
          date: $('report-date').value, time: $('report-time').value, area: $('report-area').value, setting: $('report-setting').value,
          harms: I.HARMS.filter(function (name) { return $('report-harm-' + name).checked; }),
          identifiers: used.map(function (row) {
            var kind = row.querySelector('.identifier-kind').value;
            return { kind: kind, typed: row.querySelector('.identifier-value').value,
              platform: kind === 'handle' ? row.querySelector('.identifier-platform').value : '' };
          }),
          description: $('report-description').value.trim(), account: $('report-account').value.trim(),
          support: $('report-support').checked, consent: consent,
          policeContact: consent === 4 ? $('report-police').value.trim() : ''
        }
      };
    }

    function submit() {
      var form = draft();
      var checked = I.checkReport(form.draft);
      if (checked.problems.length) {
        showProblems(checked.problems, form.rowsUsed);
        return;
      }
      var sent;
      try {
        sent = chat.report(checked.report);
      } catch (e) {
        if (e.code !== 'tooLong') throw e;
        showProblems([new I.Problem('account', 'reportTooLong')], form.rowsUsed);
        return;
      }
      clear();
      backToChat();
      reveal(sent);
    }

    // After sending, the chat shows with what was sent in sight and focused (a screen reader reads it).
    function reveal(entry) {
      var item = entry && root.document.querySelector('#messages li[data-id="' + entry.id + '"]');
      if (!item) return;
      item.setAttribute('tabindex', '-1');
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: 'nearest' });
    }

    // The part of the form a control belongs to: its detail row, or its field.
    function part(control) { return control.closest('.identifier') || control.closest('.field') || control; }

    function fieldChanged(event) {
      var changed = part(event.target);
      event.target.removeAttribute('aria-invalid');
      Array.prototype.forEach.call(changed.querySelectorAll('[aria-invalid]'), function (c) { c.removeAttribute('aria-invalid'); });
      Array.prototype.forEach.call(changed.querySelectorAll('.error'), function (line) { line.textContent = ''; });
      var summary = $('report-errors');
      Array.prototype.forEach.call(summary.querySelectorAll('li'), function (item) {
        if (item.netreachPart === changed) item.parentNode.removeChild(item);
      });
      if (!summary.querySelector('li')) summary.textContent = '';
    }

    // The control each problem points at, its own error line, and the words for it.
    function target(problem, rowsUsed) {
      if (problem.field === 'identifier') {
        var row = rowsUsed[problem.params.index];
        return { control: row.querySelector(problem.key === 'platform' ? '.identifier-platform' : '.identifier-value'), line: null };
      }
      var controls = {
        date: 'report-date', time: 'report-time', area: 'report-area', setting: 'report-setting', harms: 'report-harm-' + I.HARMS[0],
        identifiers: 'identifier-add', description: 'report-description', account: 'report-account',
        consent: 'report-consent-1', policeContact: 'report-police'
      };
      var lines = { harms: 'report-harms-error', consent: 'report-consent-error', identifiers: 'report-identifiers-error',
        policeContact: 'report-police-error' };
      var id = controls[problem.field] || 'report-account';
      return { control: $(id), line: $(lines[problem.field] || id + '-error') };
    }

    function words(problem, rowsUsed) {
      var params = {};
      Object.keys(problem.params).forEach(function (key) { params[key] = problem.params[key]; });
      params.field = S.fieldNames[problem.field] || problem.field;
      var text = U.format(S.problems[problem.key] || S.problems.unreadable, params);
      if (problem.field !== 'identifier') return text;
      return t('identifierProblem', { n: rows().indexOf(rowsUsed[problem.params.index]) + 1, problem: text });
    }

    function showProblems(problems, rowsUsed) {
      clearProblems();
      var summary = $('report-errors');
      summary.appendChild(el('p', null, t('reportFix')));
      var list = el('ul');
      problems.forEach(function (problem) {
        var text = words(problem, rowsUsed), place = target(problem, rowsUsed);
        var item = el('li', null, text);
        if (place.control) item.netreachPart = part(place.control);
        list.appendChild(item);
        if (place.control) place.control.setAttribute('aria-invalid', 'true');
        if (place.line && !place.line.textContent) place.line.textContent = text;
      });
      summary.appendChild(list);
      var first = target(problems[0], rowsUsed).control;
      if (first) first.focus();
    }

    function clearProblems() {
      $('report-errors').textContent = '';
      Array.prototype.forEach.call(root.document.querySelectorAll('#report-form .error'), function (line) {
        if (line.id !== 'report-errors') line.textContent = '';
      });
      Array.prototype.forEach.call(root.document.querySelectorAll('#report-form [aria-invalid]'), function (control) {
        control.removeAttribute('aria-invalid');
      });
    }

    // Empties the form: after sending, on a new chat and on Quick exit nothing of the draft stays.
    function clear() {
      $('report-form').reset();
      $('report-time').value = 'unknown';
      $('report-identifiers').textContent = '';
      rowCount = 0;
      addRow();
      policeBox();
      clearProblems();
      consentFor = null;
      $('consent-form').reset();
      U.setText('consent-error', '');
    }

    function backToChat() {
      consentFor = null;
      U.show('screen-chat');
      app.chatShown();
    }

    // ---- Consent ----

    function openConsent(reported) {
      consentFor = reported;
      var level = chat.consentLevel(reported);
      U.setText('consent-for', t('consentFor', { date: U.day(reported.report.date), area: reported.report.area }));
      U.setText('consent-current', t('consentNow', { level: S.consentNames[level] }));
      $('consent-form').reset();
      $('consent-level-' + level).checked = true;
      $('consent-police-note').hidden = level !== 4;
      U.setText('consent-error', '');
      $('safety').hidden = true;
      U.show('screen-consent');
    }

    function saveConsent() {
      if (!consentFor) return;
      var level = chosen('consent-level');
      if (level === null) {
        U.setText('consent-error', t('consentChoose'));
        return;
      }
      if (level === chat.consentLevel(consentFor)) {
        U.setText('consent-error', t('consentSame'));
        return;
      }
      var sent = chat.changeConsent(consentFor.incident, level);
      backToChat();
      reveal(sent);
    }

    return { build: build, open: open, clear: clear, openConsent: openConsent };
  }

  root.NetreachReport = { create: create };
})(typeof self !== 'undefined' ? self : globalThis);
