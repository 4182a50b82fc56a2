// The visitor page's state and flows (docs/WEB.md): start a chat, resume with the phrase, chat,
// report a dangerous person, Quick exit. Keys and messages live only in this closure's memory
// unless the visitor asks this device to remember them; Quick exit wipes both.
(function (root) {
  'use strict';
  var S = root.NetreachStrings;
  var U = root.NetreachUI;
  var $ = U.$, t = U.t;
  var doc = root.document;
  var REMEMBER_KEY = 'netreach.v1.phrase';
  // Written only beside a remembered phrase (Remember me), and removed with it.
  var LANGUAGE_KEY = 'netreach.v1.language';
  var FALLBACK_EXIT = 'https://www.bbc.co.uk/weather';

  var state = freshState();
  var exiting = false;
  var chat = null;
  var safety = null;
  var report = null;

  function freshState() {
    return {
      deployment: state ? state.deployment : null,
      keyring: state ? state.keyring : null,
      wordLists: state ? state.wordLists : null,
      entropy: null, visitor: null, conversationKey: null, olderKeys: [], session: null, mode: null, opened: false,
      remember: false, messages: [], byId: Object.create(null), outbox: [], lastPosition: -1,
      staffHere: null, closed: false, feedbackSent: false, entered: false, sequence: 0,
      // Where entering the chat leads: 'report' when the visitor came to report a dangerous person.
      next: null
    };
  }

  // ---- Quick exit: first, so it works whatever else fails. ----

  function quickExit() {
    if (exiting) return;
    exiting = true;
    var configured = state.deployment && state.deployment.quickExitURL;
    var target = /^https?:\/\//i.test(configured || '') ? configured : FALLBACK_EXIT;
    try { if (state.session) state.session.stop(); } catch (e) { /* leaving anyway */ }
    wipe();
    doc.body.textContent = '';
    doc.title = '';
    try { root.localStorage.clear(); } catch (e) { /* storage may be off */ }
    try { root.sessionStorage.clear(); } catch (e) { /* storage may be off */ }
    doc.cookie.split(';').forEach(function (cookie) {
      var name = cookie.split('=')[0].trim();
      if (name) doc.cookie = name + '=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
    });
    var gone = false;
    function leave() {
      if (gone) return;
      gone = true;
      // replace, not assign: this page leaves the history, so Back does not return to it.
      root.location.replace(target);
    }
    setTimeout(leave, 300);
    clearDatabases().then(leave, leave);
  }

  function clearDatabases() {
    if (!root.indexedDB || !root.indexedDB.databases) return Promise.resolve();
    return root.indexedDB.databases().then(function (databases) {
      return Promise.all(databases.map(function (database) {
        return new Promise(function (resolve) {
          var request = root.indexedDB.deleteDatabase(database.name);
          request.onsuccess = request.onerror = request.onblocked = resolve;
        });
      }));
    });
  }

  function wipe() {
    var B = root.NetreachBytes, P = root.NetreachProtocol;
    if (B) {
      B.wipe(state.entropy);
      B.wipe(state.conversationKey);
      state.olderKeys.forEach(function (key) { B.wipe(key); });
    }
    if (P) P.wipeIdentity(state.visitor);
    state.messages.forEach(function (message) { message.text = ''; message.event = ''; message.report = null; message.change = null; });
    state.entropy = state.conversationKey = state.visitor = null;
    state.olderKeys = [];
    state.messages = [];
    state.byId = Object.create(null);
    state.outbox = [];
    // Any report draft and anything typed into the checker.
    try { if (report) report.clear(); } catch (e) { /* leaving anyway */ }
    try { if (safety) safety.wipe(); } catch (e) { /* leaving anyway */ }
  }

  var escapes = [];
  doc.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var now = Date.now();
    escapes = escapes.filter(function (at) { return now - at < 2000; });
    escapes.push(now);
    if (escapes.length >= 3) quickExit();
  }, true);

  // ---- Start-up ----

  // Quick exit is a plain link in index.html, so it works before (and without) any script; here
  // it does the whole exit instead, and the first Tab on any screen goes to it.
  function wireQuickExit() {
    root.NetreachQuickExit = quickExit;  // exit.js, which handled it until now, steps aside
    $('quick-exit').addEventListener('click', function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      quickExit();
    });
    doc.addEventListener('keydown', function (event) {
      if (event.key !== 'Tab' || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
      var active = doc.activeElement;
      // Each screen's heading takes focus when it shows (ui.js show): the next Tab is Quick exit.
      if (active && active.tagName === 'H1' && active.closest('.screen')) {
        event.preventDefault();
        $('quick-exit').focus();
      }
    });
  }

  function boot() {
    wireQuickExit();
    chooseLanguage();
    U.fill();
    if (!root.nacl || !root.crypto || !root.crypto.getRandomValues || !root.WebSocket || !root.TextEncoder || !root.Promise) {
      U.setText('loading-text', t('oldBrowser'));
      return;
    }
    if (!root.NetreachBytes || !root.NetreachProtocol || !root.NetreachPhrase || !root.NetreachKeyring || !root.NetreachIncidents
      || !root.NetreachRelaySession || !root.NetreachChat || !root.NetreachSafety || !root.NetreachReport) {
      U.setText('loading-text', t('loadFailed'));
      return;
    }
    var app = {
      state: function () { return state; },
      getJSON: getJSON,
      changeConsent: function (reported) { report.openConsent(reported); },
      chatShown: function () { toggleLabel(); chat.render(); }
    };
    chat = root.NetreachChat.create(app);
    safety = root.NetreachSafety.create(app);
    report = root.NetreachReport.create(app, chat);
    safety.build();
    report.build();
    wire();
    load(0);
  }

  function getJSON(path) {
    return root.fetch(path, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' }).then(function (response) {
      if (!response.ok) throw new Error(path + ': ' + response.status);
      return path.slice(-4) === '.txt' ? response.text() : response.json();
    });
  }

  // The alerts and the referral directory may fail on their own: the chat works without them.
  function optional(path) { return getJSON(path).catch(function () { return null; }); }

  function load(attempt) {
    // Both word lists, whatever the language: a phrase may be in either, and the requests say nothing.
    Promise.all([getJSON('/v1/deployment'), getJSON('/v1/keyring'), getJSON('/static/wordlist-en.txt'), optional('/v1/alerts'),
      optional('/v1/referrals'), optional('/static/wordlist-es.txt')]).then(function (got) {
      state.deployment = got[0];
      if (/^https?:\/\//i.test(state.deployment.quickExitURL || '')) $('quick-exit').href = state.deployment.quickExitURL;
      state.wordLists = { en: new root.NetreachPhrase.WordList(got[2]) };
      try { if (got[5]) state.wordLists.es = new root.NetreachPhrase.WordList(got[5]); } catch (e) { /* English only */ }
      try {
        state.keyring = root.NetreachKeyring.check(got[1], state.deployment.organisationKey);
        // With no active staff key nobody could read the chat: better to say so than to pretend.
        if (state.keyring.active.length === 0) state.keyring = null;
      } catch (e) {
        state.keyring = null;
      }
      U.setText('status', '');
      U.renderSafety(state.deployment, dutyText());
      safety.loaded(got[3], got[4]);
      $('safety').hidden = false;
      if (!state.keyring) {
        U.setText('duty', '');
        U.setText('home-error', t('keyringProblem'));
        $('start').disabled = $('have-phrase').disabled = $('report-start').disabled = true;
        U.show('screen-home');
        return;
      }
      U.setText('duty', dutyText());
      var remembered = null;
      try { remembered = root.localStorage.getItem(REMEMBER_KEY); } catch (e) { /* storage off */ }
      if (remembered && /^[0-9a-f]{32}$/.test(remembered)) {
        state.remember = true;
        begin(root.NetreachBytes.fromHex(remembered), 'resume');
      } else {
        U.show('screen-home');
      }
    }, function () {
      U.setText('loading-text', t('loadFailed'));
      setTimeout(function () { load(attempt + 1); }, Math.min(30, 2 + attempt * 3) * 1000);
    });
  }

  function dutyText() {
    var d = state.deployment;
    if (d.onDuty === true) return t('onDutyYes', { minutes: d.answerMinutes });
    if (d.onDuty === false) return t('onDutyNo');
    return t('onDutyUnknown', { minutes: d.answerMinutes });
  }

  function wire() {
    $('start').addEventListener('click', showNewPhrase);
    // Reporting needs a chat to go through: a new one is set up first, then the form opens.
    $('report-start').addEventListener('click', function () {
      state.next = 'report';
      $('phrase-report-note').hidden = false;
      showNewPhrase();
    });
    $('report-open').addEventListener('click', function () { report.open(); });
    $('have-phrase').addEventListener('click', function () {
      U.setText('resume-error', '');
      $('resume-phrase').removeAttribute('aria-invalid');
      U.show('screen-resume');
    });
    $('phrase-back').addEventListener('click', function () { reset(); U.show('screen-home'); });
    $('phrase-saved').addEventListener('click', function () {
      state.remember = $('remember-start').checked;
      $('phrase-saved').disabled = $('phrase-back').disabled = $('remember-start').disabled = true;
      $('progress-box').hidden = false;
      progress(0);
      $('progress-box').scrollIntoView({ block: 'nearest' });
      begin(state.entropy, 'start');
    });
    $('resume-back').addEventListener('click', function () { U.show('screen-home'); });
    $('resume-form').addEventListener('submit', function (event) {
      event.preventDefault();
      resume();
    });
    $('send-form').addEventListener('submit', function (event) {
      event.preventDefault();
      chat.send();
    });
    $('message').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        chat.send();
      }
    });
    $('feedback-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var answers = {
        helpful: checkedValue('feedback-helpful'), safer: checkedValue('feedback-safer'), helpedMost: checkedValue('feedback-helped-most')
      };
      if (!answers.helpful && !answers.safer && !answers.helpedMost) {
        U.setText('feedback-error', t('feedbackEmpty'));
        return;
      }
      U.setText('feedback-error', '');
      $('feedback-form').reset();
      chat.feedback(answers);
    });
    $('feedback-form').addEventListener('change', function () { U.setText('feedback-error', ''); });
    $('new-chat').addEventListener('click', function () {
      forgetHere();
      reset();
      showNewPhrase();
    });
    $('forget').addEventListener('click', function () {
      forgetHere();
      U.setText('status', t('forgotten'));
    });
    // "Delete this chat": first what it does and does not undo, then the visitor's signed request.
    $('delete-chat').addEventListener('click', function () { showDelete(true); });
    $('delete-no').addEventListener('click', function () { showDelete(false); $('delete-chat').focus(); });
    $('delete-yes').addEventListener('click', deleteChat);
    $('toggle-safety').addEventListener('click', function () {
      var open = $('safety').hidden;
      $('safety').hidden = !open;
      toggleLabel();
      if (open) {
        safety.refresh();
        $('safety-title').scrollIntoView();
      }
    });
    doc.addEventListener('visibilitychange', function () {
      if (!doc.hidden && state.session) {
        state.session.nudge();
        chat.render();
      }
    });
    root.addEventListener('online', function () { if (state.session) state.session.nudge(); });
  }

  function showDelete(open) {
    $('delete-box').hidden = !open;
    $('delete-chat').setAttribute('aria-expanded', open ? 'true' : 'false');
    U.setText('delete-error', '');
    $('delete-yes').disabled = $('delete-no').disabled = false;
    if (open) {
      $('delete-box').scrollIntoView({ block: 'nearest' });
      $('delete-title').focus();
    }
  }

  // Signs an erasure request for this conversation and sends it; the relay erases the chat before
  // it answers. Then this page forgets it too: the phrase on this phone, the keys and messages in memory.
  function deleteChat() {
    var P = root.NetreachProtocol, B = root.NetreachBytes;
    if (!state.session || !state.visitor) {
      U.setText('delete-error', t('deleteUnavailable'));
      return;
    }
    $('delete-yes').disabled = $('delete-no').disabled = true;
    U.setText('delete-error', t('deleting'));
    var event = P.makeEvent(P.KIND.erasureRequested, state.visitor.conversation, B.utf8(P.ERASURE_REQUEST), state.visitor.sign);
    state.session.request({ t: 'append', event: B.b64u(event) }).then(function (answer) {
      if (answer.t === 'ack' || answer.code === 'erased') {
        erasedHere(t('deleted'));
        return;
      }
      $('delete-yes').disabled = $('delete-no').disabled = false;
      // Nothing was erased: the relay could not store the request now, or the connection dropped.
      var later = answer.code === 'unavailable' || answer.code === 'network' || answer.code === 'rateLimited';
      U.setText('delete-error', later ? t('deleteUnavailable') : t('deleteFailed', { reason: answer.message || answer.code }));
    });
  }

  // The chat is gone at the relay: nothing of it stays on this page or this phone.
  function erasedHere(text) {
    forgetHere();
    reset();
    showDelete(false);
    U.show('screen-home');
    U.setText('status', text);
  }

  // ---- Languages ----

  // The remembered language if there is one (only ever beside a remembered phrase), else the
  // device's; and the picker, each language in its own name.
  function chooseLanguage() {
    var L = root.NetreachLanguage;
    if (!L) return;  // language.js did not load: English, with no picker
    var remembered = null;
    try { remembered = root.localStorage.getItem(LANGUAGE_KEY); } catch (e) { /* storage off */ }
    L.use(remembered && L.available().indexOf(remembered) >= 0 ? remembered : L.choose(root.navigator.languages || [root.navigator.language]));
    var picker = $('language');
    L.available().forEach(function (code) {
      var option = U.el('option', null, root.NetreachLanguages[code].languageName);
      option.value = code;
      option.lang = code;
      picker.appendChild(option);
    });
    picker.value = S.lang;
    picker.addEventListener('change', function () { switchLanguage(picker.value); });
    $('language-box').hidden = false;
  }

  function switchLanguage(code) {
    root.NetreachLanguage.use(code);
    $('language').value = S.lang;
    U.fill();
    if (!state.deployment) return;
    if (state.remember && state.entered) {
      try { root.localStorage.setItem(LANGUAGE_KEY, S.lang); } catch (e) { /* storage off */ }
    }
    U.renderSafety(state.deployment, dutyText());
    if (state.keyring) U.setText('duty', dutyText());
    if (safety) safety.relabel();
    toggleLabel();
    // A phrase not yet confirmed is shown again in the new language's word list (the same 16 bytes).
    if (state.entropy && !state.entered && U.current() === 'screen-phrase') {
      U.renderPhrase(root.NetreachPhrase.words(state.entropy, wordListFor(S.lang)));
    }
    if (state.entered) {
      $('messages').textContent = '';
      chat.render();
    }
  }

  // The list a new phrase is written in: the language's own where BIP39 has one, else English.
  // The value of the checked radio button named `name`, or '' when none is.
  function checkedValue(name) {
    var input = root.document.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : '';
  }

  function wordListFor(lang) { return (state.wordLists && state.wordLists[lang]) || state.wordLists.en; }

  function toggleLabel() {
    var open = !$('safety').hidden;
    $('toggle-safety').textContent = t(open ? 'hideSafety' : 'showSafety');
    $('toggle-safety').setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  function forgetHere() {
    try { root.localStorage.removeItem(REMEMBER_KEY); } catch (e) { /* storage off */ }
    try { root.localStorage.removeItem(LANGUAGE_KEY); } catch (e) { /* storage off */ }
    state.remember = false;
    $('remembered-box').hidden = true;
  }

  // Drops the current chat from memory and the screen (not from this device's memory: see forgetHere).
  function reset() {
    if (state.session) state.session.stop();
    wipe();
    state = freshState();
    $('messages').textContent = '';
    $('phrase-words').textContent = '';
    $('message').value = '';
    U.setText('status', '');
    U.setText('connection', '');
    U.setText('start-error', '');
    U.setText('send-error', '');
    U.setText('feedback-error', '');
    $('feedback-form').reset();
    $('phrase-saved').disabled = $('phrase-back').disabled = $('remember-start').disabled = false;
    $('remember-start').checked = false;
    $('progress-box').hidden = true;
    $('phrase-report-note').hidden = true;
    $('delete-box').hidden = true;
    $('delete-chat').setAttribute('aria-expanded', 'false');
    report.clear();
  }

  function showNewPhrase() {
    var Phrase = root.NetreachPhrase;
    state.entropy = root.nacl.randomBytes(16);
    U.renderPhrase(Phrase.words(state.entropy, wordListFor(S.lang)));
    U.show('screen-phrase');
  }

  function progress(percent) {
    $('progress').value = percent;
    U.setText('progress-text', t('preparing', { percent: percent }));
  }

  function resume() {
    var Phrase = root.NetreachPhrase;
    var input = $('resume-phrase');
    var entropy;
    try {
      entropy = Phrase.parse(input.value, wordListFor('en'), state.wordLists.es);
    } catch (e) {
      input.setAttribute('aria-invalid', 'true');
      U.setText('resume-error', phraseProblem(e));
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    U.setText('resume-error', t('resumeChecking'));
    $('resume-open').disabled = true;
    state.remember = $('remember-resume').checked;
    begin(entropy, 'resume');
  }

  function phraseProblem(error) {
    if (error.code === 'count') return t('phraseWordCount', { count: error.count });
    if (error.code === 'unknown') {
      var text = t('phraseUnknownWord', { position: error.position, token: error.token });
      if (error.suggestions.length) text += ' ' + t('phraseSuggest', { words: error.suggestions.join(S.phraseOr) });
      return text;
    }
    if (error.code === 'checksum') return t('phraseChecksum');
    return String(error.message);
  }

  // ---- The conversation ----

  function NoChat() { this.code = 'noChat'; }
  function Erased() { this.code = 'erased'; }

  function begin(entropy, mode) {
    var P = root.NetreachProtocol;
    state.entropy = entropy;
    state.mode = mode;
    state.visitor = P.identity(entropy);
    if (mode === 'start') state.conversationKey = root.nacl.randomBytes(32);
    var url = (root.location.protocol === 'https:' ? 'wss://' : 'ws://') + root.location.host + '/v1/ws';
    var session = new root.NetreachRelaySession(url, state.visitor, {
      ready: ready,
      from: function () { return state.lastPosition + 1; },
      event: chat.receive,
      live: function () { chat.render(); },
      connected: function () {
        U.setText('status', '');
        U.setText('connection', '');
        chat.flush();
      },
      status: connectionStatus,
      failed: failed,
      error: function (message) { U.setText('status', (S.errors[message.code]) || message.message); }
    });
    state.session = session;
    session.start();
  }

  function ready(message, hello, session) {
    var B = root.NetreachBytes;
    if (message.conversation !== B.b64u(state.visitor.conversation)) {
      return Promise.reject(new Error('the relay answered for another conversation'));
    }
    if (message.exists && message.erased === true) return Promise.reject(new Erased());
    if (message.exists) {
      state.opened = true;
      enter();
      return Promise.resolve();
    }
    if (state.mode !== 'start' || state.opened) return Promise.reject(new NoChat());
    return open(hello, session).then(enter);
  }

  function open(hello, session) {
    var P = root.NetreachProtocol, B = root.NetreachBytes;
    var visitor = state.visitor, conversation = visitor.conversation;
    var challenge = B.fromB64u(hello.challenge);
    var bits = hello.powBits, expected = Math.pow(2, bits);
    return P.solvePow(challenge, conversation, bits, function (tries) {
      progress(Math.min(99, Math.floor(100 * (1 - Math.exp(-tries / expected)))));
    }, function () { return state.session !== session; }).then(function (pow) {
      progress(100);
      // Each member's period key in force (docs/KEYS.md, "Period keys"), else their enrolled key.
      var now = Date.now();
      var recipients = state.keyring.active.map(function (member) { return state.keyring.recipientFor(member, now); });
      recipients.push({ keyId: visitor.keyId, box: visitor.box.publicKey });
      // The page's language goes to staff sealed with the conversation key: the relay cannot read it.
      var content = P.openedContent(visitor, state.conversationKey, recipients, null, S.lang);
      var event = P.makeEvent(P.KIND.opened, conversation, content, visitor.sign);
      return session.request({ t: 'open', event: B.b64u(event), pow: B.b64u(pow) });
    }).then(function (answer) {
      if (answer.t === 'ack' || answer.code === 'conversationExists') {
        state.opened = true;
        U.setText('progress-text', t('preparingDone'));
        return;
      }
      // Refused because the keyring this page loaded is out of date (a worker's key was revoked since):
      // fetch it again and open once more, wrapped to the staff who are active now.
      if (answer.code === 'forbidden' && !state.keyringReloaded) {
        state.keyringReloaded = true;
        return getJSON('/v1/keyring').then(function (document) {
          var keyring = root.NetreachKeyring.check(document, state.deployment.organisationKey);
          if (keyring.active.length === 0) throw new Error(t('keyringProblem'));
          state.keyring = keyring;
          return open(hello, session);
        });
      }
      var error = new Error(S.errors[answer.code] || answer.message);
      error.code = answer.code;
      throw error;
    });
  }

  function enter() {
    if (state.entered) return;
    state.entered = true;
    if (state.remember) {
      try {
        root.localStorage.setItem(REMEMBER_KEY, root.NetreachBytes.hex(state.entropy));
        root.localStorage.setItem(LANGUAGE_KEY, S.lang);
      } catch (e) { state.remember = false; }
    }
    // "We will not show these words again": from here on the page holds no word of the phrase.
    $('phrase-words').textContent = '';
    $('resume-phrase').value = '';
    $('resume-open').disabled = false;
    U.setText('resume-error', '');
    $('remembered-box').hidden = !state.remember;
    $('safety').hidden = true;
    toggleLabel();
    chat.render();
    U.show('screen-chat');
    if (state.next === 'report') {
      state.next = null;
      report.open();
    }
  }

  function failed(error) {
    var screen = U.current();
    state.session = null;
    $('resume-open').disabled = false;
    if (error instanceof Erased) {
      erasedHere(t('chatErased'));
      return;
    }
    if (error instanceof NoChat) {
      if (state.remember && !state.entered) forgetHere();
      reset();
      U.setText('resume-error', t('phraseNoChat'));
      $('resume-phrase').setAttribute('aria-invalid', 'true');
      U.show('screen-resume');
      return;
    }
    var text = t('openFailed', { reason: (error && error.message) || '' });
    if (screen === 'screen-phrase') {
      U.setText('start-error', text);
      $('phrase-saved').disabled = $('phrase-back').disabled = false;
    } else {
      U.setText(screen === 'screen-resume' ? 'resume-error' : 'status', text);
    }
  }

  // In the chat the connection's state shows beside the message box, where the visitor is typing
  // (an aria-live line); on the other screens at the top.
  function connectionStatus(name, details) {
    var inChat = U.current() === 'screen-chat';
    // A new attempt after a loss still says the connection was lost.
    var text = name === 'connecting' ? t(inChat && $('connection').textContent ? 'reconnecting' : 'connecting')
      : name === 'reconnecting' ? t('reconnectingIn', { seconds: details.seconds })
        : null;
    if (text === null) return;
    if (inChat) U.setText('connection', text);
    else U.setText('status', text);
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', boot);
  else boot();
})(typeof self !== 'undefined' ? self : globalThis);
