import NetreachClient

/// The tests speak to the relay through the client library's connection.
typealias TestClient = RelayConnection

/// How long a test client waits for a relay's `hello`. At the start of a run every suite starts at
/// once on 2 cores (key derivations, log campaigns, browsers), and an in-process relay's first answer
/// can wait well past the client's own 10 s (two CI runs lost 17 and 58 relay tests so). The bound
/// only stops a hang; nothing is timed.
let testHelloTimeout: Duration = .seconds(60)
