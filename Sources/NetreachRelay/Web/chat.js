// The conversation itself (docs/WEB.md, "chat"): events from the relay turned into messages,
// reports, consent changes and notes, and the visitor's own on their way: sending → sent (handed to
// the socket) → stored (the relay's ack, sent once the event is durable). app.js owns the state and
// passes a getter; `app.changeConsent(report)` opens the consent screen for a report.
(function (root) {
  'use strict';
  var S = root.NetreachStrings;
  var U = root.NetreachUI;
  var $ = U.$, t = U.t;

  // `app.state()` is the page's current state.
  function create(app) {
    function staffName(author) {
      var state = app.state();
      var name = state.keyring && state.keyring.nameOf(author);
      return name ? name.charAt(0).toUpperCase() + name.slice(1) : t('ourTeam');
    }

    function receive(message) {
      var state = app.state();
      var P = root.NetreachProtocol, B = root.NetreachBytes;
      if (typeof message.position !== 'number' || message.position <= state.lastPosition) return;
      state.lastPosition = message.position;
      var event;
      try {
        event = P.parseEvent(B.fromB64u(message.event));
      } catch (e) {
        note('bad-' + message.position, t('unreadable'), message.time);
        return;
      }
      if (!B.equal(event.conversation, state.visitor.conversation)) return;
      var id = B.hex(event.id);
      var mine = B.equal(event.author, state.visitor.sign.publicKey);
      var I = root.NetreachIncidents;
      var existing = state.byId[id];
      if (existing && existing.mine) {
        // One of ours that the relay stored: the same event, now with its place and time in the log.
        existing.position = message.position;
        existing.time = message.time;
        existing.state = 'stored';
        render();
        return;
      }
      try {
        if (event.kind === P.KIND.opened) {
          if (!state.conversationKey) state.conversationKey = P.ownConversationKey(event.content, state.visitor);
          if (!state.conversationKey) throw new Error('no key');
        } else if (event.kind === P.KIND.rotated) {
          // A new conversation key (someone left; a supervisor re-keyed the chat): written with from
          // now on; the older ones still open what came before.
          var author = state.keyring && state.keyring.staff.filter(function (m) { return B.equal(m.sign, event.author); })[0];
          var newer = author && author.role === 'supervisor' ? P.rotatedKey(event.content, state.visitor, author.box) : null;
          if (!newer) throw new Error('no key');
          if (state.conversationKey && !B.equal(state.conversationKey, newer)) state.olderKeys.push(state.conversationKey);
          state.conversationKey = newer;
          return;
        } else if (existing) {
          // Already shown (an event seen again after a reconnect): nothing new.
        } else if (event.kind === P.KIND.message) {
          var text = openAny(event.content);
          if (!mine && !state.staffHere) state.staffHere = staffName(event.author);
          add({ id: id, kind: 'message', mine: mine, author: mine ? '' : staffName(event.author), text: text,
            time: message.time, position: message.position, state: 'stored' });
        } else if (event.kind === I.KIND.reported) {
          var report;
          try {
            report = I.readReport(openAny(event.content));
          } catch (e) {
            note('bad-' + message.position, t('reportUnreadable'), message.time, message.position);
            render();
            return;
          }
          add({ id: id, kind: 'report', mine: mine, author: mine ? '' : staffName(event.author), report: report,
            incident: B.b64u(event.id), time: message.time, position: message.position, state: 'stored' });
        } else if (event.kind === I.KIND.consent) {
          var change = I.readConsent(openAny(event.content));
          add({ id: id, kind: 'consent', mine: mine, author: mine ? '' : staffName(event.author), change: change,
            counts: mine === (change.visitorSaidOn === ''), time: message.time, position: message.position, state: 'stored' });
        } else if (event.kind === P.KIND.claimed) {
          state.staffHere = staffName(event.author);
          note(id, t('staffHere', { name: state.staffHere }), message.time, message.position);
        } else if (event.kind === P.KIND.closed) {
          state.closed = true;
          note(id, t('chatClosed'), message.time, message.position);
        } else if (event.kind === P.KIND.feedback && mine) {
          // Our own feedback, sent from this page before (a resumed chat): not asked for again.
          state.feedbackSent = true;
          add({ id: id, kind: 'feedback', mine: true, author: '', text: t('feedbackEntry'), time: message.time,
            position: message.position, state: 'stored' });
        }
      } catch (e) {
        note('bad-' + message.position, t('unreadable'), message.time, message.position);
      }
      render();
    }

    // Opens sealed text with the newest conversation key, else an older one (a re-keyed chat).
    function openAny(content) {
      var state = app.state();
      var P = root.NetreachProtocol;
      var keys = [state.conversationKey].concat(state.olderKeys.slice().reverse());
      for (var i = 0; i < keys.length - 1; i++) {
        try { return P.openSealed(content, keys[i]); } catch (e) { /* the next, older key */ }
      }
      return P.openSealed(content, keys[keys.length - 1]);
    }

    function add(message) {
      var state = app.state();
      message.sequence = state.sequence++;
      state.byId[message.id] = message;
      state.messages.push(message);
    }

    function note(id, text, time, position) {
      var state = app.state();
      if (state.byId[id]) return;
      add({ id: id, kind: 'note', mine: false, text: text, time: time, position: position === undefined ? null : position });
    }

    function send() {
      var state = app.state();
      var P = root.NetreachProtocol, B = root.NetreachBytes;
      var box = $('message');
      var text = box.value.trim();
      U.setText('send-error', '');
      if (!text || state.closed || !state.conversationKey) return;
      if (B.utf8(text).length > P.MAX_TEXT) {
        U.setText('send-error', t('tooLong'));
        return;
      }
      post(P.KIND.message, text, { kind: 'message', text: text });
      box.value = '';
    }

    // Seals `text` with the conversation key, signs it as the visitor, and queues it as an event of
    // `kind`; `entry` is what the chat shows for it. Throws a ProtocolError 'tooLong' past the largest bucket.
    function post(kind, text, entry) {
      var state = app.state();
      var P = root.NetreachProtocol, B = root.NetreachBytes;
      var event = P.makeEvent(kind, state.visitor.conversation, P.seal(text, state.conversationKey), state.visitor.sign);
      entry.id = B.hex(event.slice(8, 24));
      entry.eventId = event.slice(8, 24);
      entry.mine = true;
      entry.author = '';
      entry.time = Date.now();
      entry.position = null;
      entry.state = 'sending';
      entry.event = B.b64u(event);
      entry.inFlight = false;
      add(entry);
      state.outbox.push(entry);
      render();
      flush();
      return entry;
    }

    // Sends the closed chat's feedback (docs/WEB.md, "Feedback"): `answers` holds helpful, safer and
    // helpedMost, each a value of its question or '' when skipped; at least one is given.
    function feedback(answers) {
      var state = app.state();
      var P = root.NetreachProtocol;
      state.feedbackSent = true;
      return post(P.KIND.feedback, P.feedbackText(answers), { kind: 'feedback', text: t('feedbackEntry') });
    }

    // Sends a checked report (NetreachIncidents.checkReport) as incident.reported.
    function report(checked) {
      var I = root.NetreachIncidents, B = root.NetreachBytes;
      var entry = post(I.KIND.reported, I.reportText(checked), { kind: 'report', report: checked });
      entry.incident = B.b64u(entry.eventId);
      return entry;
    }

    // The visitor's own consent change for the report whose incident id is `incident` (b64u).
    function changeConsent(incident, level) {
      var I = root.NetreachIncidents, B = root.NetreachBytes;
      return post(I.KIND.consent, I.consentText(B.fromB64u(incident), level, ''),
        { kind: 'consent', change: { incident: incident, level: level, visitorSaidOn: '' }, counts: true });
    }

    function findReport(incident) {
      var found = app.state().messages.filter(function (m) { return m.kind === 'report' && m.incident === incident; });
      return found[0] || null;
    }

    // The consent that counts for a report now: its own, then each change in log order (the list is kept in that order).
    function consentLevel(report) {
      var changes = app.state().messages.filter(function (m) { return m.kind === 'consent' && m.change.incident === report.incident; })
        .map(function (m) { return { level: m.change.level, visitorSaidOn: m.change.visitorSaidOn, byVisitor: m.mine }; });
      return root.NetreachIncidents.consentNow(report.report.consent, changes);
    }

    function flush() {
      var state = app.state();
      var session = state.session;
      if (!session || !session.subscribed) return;
      state.outbox.forEach(function (message) {
        if (message.inFlight || message.state === 'stored' || message.state === 'failed') return;
        message.inFlight = true;
        // The same event bytes go again after a reconnect: the relay stores an event id once.
        var answer = session.request({ t: 'append', event: message.event });
        message.state = message.state === 'sending' ? 'sent' : message.state;
        answer.then(function (reply) {
          message.inFlight = false;
          if (reply.t === 'ack') {
            message.state = 'stored';
            if (message.position === null) message.position = reply.position;
            state.outbox = state.outbox.filter(function (m) { return m !== message; });
          } else if (reply.code === 'network') {
            message.state = 'sending';
          } else if (reply.code === 'rateLimited' || reply.code === 'unavailable') {
            message.state = 'sending';
            U.setText('status', S.errors[reply.code]);
            setTimeout(flush, 3000);
          } else {
            message.state = 'failed';
            if (reply.code === 'erased') U.setText('send-error', t('chatErased'));
          }
          render();
        });
      });
      render();
    }

    function retry(message) {
      message.state = 'sending';
      render();
      flush();
    }

    function render() {
      var state = app.state();
      if (!state.entered) return;
      state.messages.sort(function (a, b) {
        var pa = a.position === null ? Infinity : a.position, pb = b.position === null ? Infinity : b.position;
        return pa - pb || a.sequence - b.sequence;
      });
      U.renderMessages(state.messages, retry, {
        level: consentLevel, report: findReport, changeConsent: function (message) { app.changeConsent(message); }
      });
      var d = state.deployment;
      var line = state.closed ? t('chatClosed')
        : state.staffHere ? t('staffHere', { name: state.staffHere })
          : d.onDuty === false ? t('waitingOffDuty') : t('waiting', { minutes: d.answerMinutes });
      U.setText('chat-state', line);
      $('send-form').hidden = state.closed;
      $('report-open').hidden = state.closed;
      $('closed-box').hidden = !state.closed;
      $('feedback-form').hidden = !state.closed || !!state.feedbackSent;
    }

    return {
      receive: receive, send: send, flush: flush, render: render, report: report, feedback: feedback, changeConsent: changeConsent,
      findReport: findReport, consentLevel: consentLevel
    };
  }

  root.NetreachChat = { create: create };
})(typeof self !== 'undefined' ? self : globalThis);
