/// Why a deployment's configuration (a relay's settings, the visitor page's settings, the opening
/// hours) was refused: a message that names the file, field or value, for the person who wrote it.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
