// One visitor connection to the relay (docs/PROTOCOL.md, "Session"): hello → auth → ready →
// (the page's own step, e.g. open) → subscribe. When the socket drops it reconnects by itself,
// with growing, jittered delays, and subscribes again from the position the page asks for, so
// nothing is missed and nothing comes twice.
(function (root) {
  'use strict';
  var B = root.NetreachBytes;
  var P = root.NetreachProtocol;
  var DELAYS = [1, 2, 4, 8, 15, 30];

  // handlers: ready(ready, hello) → Promise, from() → position, event(message), live(message),
  // connected(), status(state, details), failed(error), error(message) for errors that answer no request.
  function RelaySession(url, visitor, handlers) {
    this.url = url;
    this.visitor = visitor;
    this.handlers = handlers;
    this.socket = null;
    this.subscribed = false;
    this.stopped = true;
    this.attempt = 0;
    this.timer = null;
    this.pending = Object.create(null);
    this.counter = 0;
  }

  RelaySession.prototype.start = function () {
    this.stopped = false;
    this.connect();
  };

  RelaySession.prototype.connect = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = null;
    this.subscribed = false;
    this.handlers.status('connecting');
    var socket;
    try {
      socket = new WebSocket(this.url);
    } catch (e) {
      this.retry();
      return;
    }
    this.socket = socket;
    var hello = null;
    socket.onmessage = function (message) {
      if (socket !== self.socket) return;
      var m;
      try { m = JSON.parse(message.data); } catch (e) { return; }
      if (m.t === 'hello') {
        hello = m;
        self.authenticate(m);
      } else if (m.t === 'ready') {
        self.attempt = 0;
        Promise.resolve(self.handlers.ready(m, hello, self)).then(function () {
          if (socket !== self.socket) return;
          self.send({ t: 'subscribe', from: self.handlers.from() });
          self.subscribed = true;
          self.handlers.status('connected');
          self.handlers.connected();
        }, function (error) {
          if (socket !== self.socket) return;
          if (error && error.code === 'network') return;
          self.stop();
          self.handlers.failed(error);
        });
      } else if (m.t === 'event') {
        self.handlers.event(m);
      } else if (m.t === 'live') {
        self.handlers.live(m);
      } else if ((m.t === 'ack' || m.t === 'error' || m.t === 'pong') && typeof m.rid === 'string' && self.pending[m.rid]) {
        var waiter = self.pending[m.rid];
        delete self.pending[m.rid];
        waiter.resolve(m);
      } else if (m.t === 'error') {
        self.handlers.error(m);
      }
    };
    socket.onclose = function () {
      if (socket !== self.socket) return;
      self.socket = null;
      self.subscribed = false;
      self.failPending();
      if (!self.stopped) self.retry();
    };
  };

  RelaySession.prototype.authenticate = function (hello) {
    try {
      if (hello.v !== 1) throw new Error('protocol version');
      var challenge = B.fromB64u(hello.challenge), relayKey = B.fromB64u(hello.relay);
      var signature = P.authSignature(challenge, relayKey, this.visitor.sign.secretKey);
      this.send({ t: 'auth', role: 'visitor', key: B.b64u(this.visitor.sign.publicKey), sig: B.b64u(signature) });
    } catch (e) {
      this.stop();
      this.handlers.failed(e);
    }
  };

  RelaySession.prototype.retry = function () {
    var self = this;
    var base = DELAYS[Math.min(this.attempt, DELAYS.length - 1)];
    var seconds = Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
    this.attempt++;
    this.handlers.status('reconnecting', { seconds: seconds });
    this.timer = setTimeout(function () { self.connect(); }, seconds * 1000);
  };

  RelaySession.prototype.failPending = function () {
    var pending = this.pending;
    this.pending = Object.create(null);
    Object.keys(pending).forEach(function (rid) {
      pending[rid].resolve({ t: 'error', rid: rid, code: 'network', message: 'the connection was lost' });
    });
  };

  RelaySession.prototype.send = function (message) {
    if (!this.socket || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  };

  // Sends a request with a fresh rid; resolves to its ack or error (code 'network' when the socket is gone).
  RelaySession.prototype.request = function (message) {
    var self = this;
    var rid = 'r' + (++this.counter);
    message.rid = rid;
    return new Promise(function (resolve) {
      if (!self.send(message)) {
        resolve({ t: 'error', rid: rid, code: 'network', message: 'not connected' });
        return;
      }
      self.pending[rid] = { resolve: resolve };
    });
  };

  // The page came back to the front or the network came back: reconnect now, or check the socket
  // still answers (a phone may have dropped it silently while the page was in the background).
  RelaySession.prototype.nudge = function () {
    var self = this;
    if (this.stopped) return;
    if (!this.socket) {
      this.attempt = 0;
      this.connect();
      return;
    }
    if (!this.subscribed) return;
    var socket = this.socket;
    var timeout = setTimeout(function () { self.drop(socket); }, 5000);
    this.request({ t: 'ping' }).then(function () { clearTimeout(timeout); });
  };

  // A socket that stopped answering: forget it at once (its close handshake may never finish) and connect again.
  RelaySession.prototype.drop = function (socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.subscribed = false;
    this.failPending();
    try { socket.close(1000); } catch (e) { /* already closed */ }
    if (!this.stopped) {
      this.attempt = 0;
      this.connect();
    }
  };

  RelaySession.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    var socket = this.socket;
    this.socket = null;
    this.subscribed = false;
    this.failPending();
    if (socket) {
      try { socket.close(1000); } catch (e) { /* already closed */ }
    }
  };

  root.NetreachRelaySession = RelaySession;
})(typeof self !== 'undefined' ? self : globalThis);
