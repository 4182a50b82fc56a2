import NetreachClient

/// The tests speak to the relay through the client library's connection.
typealias TestClient = RelayConnection
