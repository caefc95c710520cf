import FlyingFox
import Foundation

/// The pages listening for changes: each open page holds a WebSocket, and every change the
/// index finds is sent to all of them as one JSON text message. Messages from pages are
/// read and ignored (the socket is one-way).
final class LiveFeed: WSMessageHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var listeners: [UUID: AsyncStream<WSMessage>.Continuation] = [:]

    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<WSMessage>.makeStream(bufferingPolicy: .bufferingNewest(256))
        lock.withLock { listeners[id] = continuation }
        continuation.yield(.text("{\"type\":\"hello\"}"))
        // When the page goes, stop sending to it.
        Task { [weak self] in
            for await message in client {
                if case .close = message { break }
            }
            continuation.finish()
            self?.lock.withLock { self?.listeners[id] = nil }
        }
        return stream
    }

    func send(_ text: String) {
        for listener in lock.withLock({ Array(listeners.values) }) { listener.yield(.text(text)) }
    }
}
