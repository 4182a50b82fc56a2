// The conversation itself (docs/WEB.md, "chat"): events from the relay turned into messages and
// notes, and the visitor's own messages on their way: sending → sent (handed to the socket) →
// stored (the relay's ack, sent once the event is durable). app.js owns the state and passes a getter.
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
      try {
        if (event.kind === P.KIND.opened) {
          if (!state.conversationKey) state.conversationKey = P.ownConversationKey(event.content, state.visitor);
          if (!state.conversationKey) throw new Error('no key');
        } else if (event.kind === P.KIND.message) {
          var existing = state.byId[id];
          if (existing) {
            existing.position = message.position;
            existing.time = message.time;
            if (existing.state !== 'stored') existing.state = 'stored';
          } else {
            var text = P.openSealed(event.content, state.conversationKey);
            if (!mine && !state.staffHere) state.staffHere = staffName(event.author);
            add({ id: id, kind: 'message', mine: mine, author: mine ? '' : staffName(event.author), text: text,
              time: message.time, position: message.position, state: 'stored' });
          }
        } else if (event.kind === P.KIND.claimed) {
          state.staffHere = staffName(event.author);
          note(id, t('staffHere', { name: state.staffHere }), message.time, message.position);
        } else if (event.kind === P.KIND.closed) {
          state.closed = true;
          note(id, t('chatClosed'), message.time, message.position);
        }
      } catch (e) {
        note('bad-' + message.position, t('unreadable'), message.time, message.position);
      }
      render();
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
      var event = P.makeEvent(P.KIND.message, state.visitor.conversation, P.seal(text, state.conversationKey), state.visitor.sign);
      var message = { id: B.hex(event.slice(8, 24)), kind: 'message', mine: true, author: '', text: text, time: Date.now(),
        position: null, state: 'sending', event: B.b64u(event), inFlight: false };
      add(message);
      state.outbox.push(message);
      box.value = '';
      render();
      flush();
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
      U.renderMessages(state.messages, retry);
      var d = state.deployment;
      var line = state.closed ? t('chatClosed')
        : state.staffHere ? t('staffHere', { name: state.staffHere })
          : d.onDuty === false ? t('waitingOffDuty') : t('waiting', { minutes: d.answerMinutes });
      U.setText('chat-state', line);
      $('send-form').hidden = state.closed;
      $('closed-box').hidden = !state.closed;
    }

    return { receive: receive, send: send, flush: flush, render: render };
  }

  root.NetreachChat = { create: create };
})(typeof self !== 'undefined' ? self : globalThis);
