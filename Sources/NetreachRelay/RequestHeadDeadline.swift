import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection whose first HTTP request head has not fully arrived within `deadline` of
/// connecting (slow loris: a client that trickles a header byte now and then, which an idle
/// timeout never catches, to hold connections open until the relay runs out).
///
/// It sits first in the pipeline (after TLS, when TLS is on), looks only for the blank line that
/// ends a head, passes every byte on untouched, and leaves the pipeline once the head is complete;
/// what follows — more requests on a kept-alive connection, or a WebSocket — is then governed by
/// the idle timeout and the protocol's own limits.
final class RequestHeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let deadline: TimeAmount
    private let onTimeout: @Sendable () -> Void
    private var timer: Scheduled<Void>?
    /// How much of "\r\n\r\n" the bytes so far end with.
    private var matched = 0
    private var done = false

    init(deadline: TimeAmount, onTimeout: @escaping @Sendable () -> Void = {}) {
        self.deadline = deadline
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if !done {
            for byte in buffer.readableBytesView {
                let expected: UInt8 = matched % 2 == 0 ? 13 : 10  // \r \n \r \n
                if byte == expected {
                    matched += 1
                } else {
                    matched = byte == 13 ? 1 : 0
                }
                if matched == 4 {
                    done = true
                    break
                }
            }
        }
        context.fireChannelRead(data)
        if done {
            timer?.cancel()
            timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard timer == nil, !done else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let onTimeout = self.onTimeout
        timer = context.eventLoop.scheduleTask(in: deadline) {
            onTimeout()
            loopBound.value.close(promise: nil)
        }
    }
}

/// A server child channel that puts `RequestHeadDeadlineHandler` in front of another's pipeline.
struct RequestHeadDeadlineChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let deadline: TimeAmount
    let onTimeout: @Sendable () -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestHeadDeadlineHandler(deadline: deadline, onTimeout: onTimeout))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

