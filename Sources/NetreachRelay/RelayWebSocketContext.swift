import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The WebSocket request context, carrying the peer's address just long enough to derive the
/// address limiter's token when the connection is upgraded. The address is not stored or logged.
struct RelayWebSocketContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let peerAddress: SocketAddress?

    init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
        peerAddress = source.channel.remoteAddress
    }
}
