public import Sodium

/// What a backup holds, signed by the relay key (docs/LOG-FORMAT.md, "Backup manifest"): the head
/// (log id, event count, chain value of the last record), where the head record starts, and each
/// segment file's length and BLAKE2b-256 hash.
public struct BackupManifest: Hashable, Sendable {
    public struct Segment: Hashable, Sendable {
        public let name: String
        public let length: Int
        public let hash: Digest32
    }

    public static let firstLine = "netreach-backup-manifest-v1"
    static let context = Array("netreach/v1/backup-manifest".utf8) + [0]

    public let head: LogHead
    /// The segment and offset of the record at position `head.count - 1` (the first segment and the
    /// header's end when the log is empty): where the next backup checks that the live log still extends this one.
    public let headSegment: String
    public let headOffset: Int
    public let createdMilliseconds: UInt64
    public let segments: [Segment]
    public let signer: SigningPublicKey
    public let signature: Signature

    /// The manifest's text up to and including the `signer:` line: the bytes that are signed, after the context.
    static func body(head: LogHead, headSegment: String, headOffset: Int, created: UInt64,
                     segments: [Segment], signer: SigningPublicKey) -> String {
        var text = firstLine + "\n"
        text += "log-id: \(head.logID)\n"
        text += "events: \(head.count)\n"
        text += "head-chain: \(head.chain)\n"
        text += "head-segment: \(headSegment)\n"
        text += "head-offset: \(headOffset)\n"
        text += "created-ms: \(created)\n"
        for segment in segments { text += "segment: \(segment.name) \(segment.length) \(segment.hash)\n" }
        text += "signer: \(Hex.encode(signer.bytes))\n"
        return text
    }

    /// Makes and signs a manifest.
    public init(head: LogHead, headSegment: String, headOffset: Int, createdMilliseconds: UInt64,
                segments: [Segment], signingWith key: SigningKeyPair) {
        self.head = head
        self.headSegment = headSegment
        self.headOffset = headOffset
        self.createdMilliseconds = createdMilliseconds
        self.segments = segments
        signer = key.publicKey
        let body = BackupManifest.body(head: head, headSegment: headSegment, headOffset: headOffset,
                                       created: createdMilliseconds, segments: segments, signer: key.publicKey)
        signature = key.sign(BackupManifest.context + Array(body.utf8))
    }

    /// The file's bytes.
    public var encoded: [UInt8] {
        let body = BackupManifest.body(head: head, headSegment: headSegment, headOffset: headOffset,
                                       created: createdMilliseconds, segments: segments, signer: signer)
        return Array((body + "signature: \(Hex.encode(signature.bytes))\n").utf8)
    }

    /// Parses a manifest file and checks its signature under `trusted`; anything else is `manifestInvalid` naming `path`.
    public init(parsing bytes: [UInt8], path: String, trusting trusted: SigningPublicKey) throws(BackupError) {
        func bad(_ why: String) -> BackupError { BackupError(.manifestInvalid, path: path, why) }
        guard bytes.count < 16 << 20, let text = String(validating: bytes, as: UTF8.self) else { throw bad("not a manifest (not UTF-8 text)") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw bad("the file does not end with a line break (cut short?)") }
        lines.removeLast()
        guard lines.first == BackupManifest.firstLine else { throw bad("the first line is not \(BackupManifest.firstLine)") }
        var fields: [(key: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), line[line.index(after: colon)...].hasPrefix(" ") else { throw bad("a line without `key: value`: \(line.prefix(60))") }
            fields.append((String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...])))
        }
        var index = 0
        func next(_ key: String) throws(BackupError) -> String {
            guard index < fields.count, fields[index].key == key else { throw bad("`\(key):` expected on line \(index + 2)") }
            index += 1
            return fields[index - 1].value
        }
        func hexBytes(_ text: String, _ count: Int, _ what: String) throws(BackupError) -> [UInt8] {
            guard let bytes = try? Hex.decode(text), bytes.count == count else { throw bad("\(what) is not \(count) bytes of hex") }
            return bytes
        }
        func number(_ text: String, _ what: String) throws(BackupError) -> UInt64 {
            guard let value = UInt64(text), String(value) == text else { throw bad("\(what) is not a whole number: \(text)") }
            return value
        }
        let logIDText = try next("log-id")
        let logID: LogID
        do { logID = try LogID(try hexBytes(logIDText, 16, "log-id")) } catch { throw bad("log-id is not 16 bytes") }
        let count = try number(try next("events"), "events")
        let chainText = try next("head-chain")
        let chain: Digest32
        do { chain = try Digest32(try hexBytes(chainText, 32, "head-chain")) } catch { throw bad("head-chain is not 32 bytes") }
        let headSegment = try next("head-segment")
        let headOffset = try number(try next("head-offset"), "head-offset")
        let created = try number(try next("created-ms"), "created-ms")
        var segments: [Segment] = []
        while index < fields.count, fields[index].key == "segment" {
            let parts = fields[index].value.split(separator: " ").map(String.init)
            guard parts.count == 3, parts[0].count == 24, parts[0].hasSuffix(".seg"), UInt64(parts[0].prefix(20)) != nil,
                  let length = Int(parts[1]), length >= 0, String(length) == parts[1] else {
                throw bad("a segment line is not `segment: NAME LENGTH HASH`: \(fields[index].value.prefix(80))")
            }
            let hash: Digest32
            do { hash = try Digest32(try hexBytes(parts[2], 32, "a segment hash")) } catch { throw bad("a segment hash is not 32 bytes") }
            segments.append(Segment(name: parts[0], length: length, hash: hash))
            index += 1
        }
        guard !segments.isEmpty else { throw bad("the manifest lists no segment") }
        let signer: SigningPublicKey
        do { signer = try SigningPublicKey(try hexBytes(try next("signer"), 32, "signer")) } catch let error as BackupError { throw error } catch { throw bad("signer is not a key") }
        let signatureText = try next("signature")
        guard index == fields.count else { throw bad("unexpected lines after the signature") }
        let signature: Signature
        do { signature = try Signature(try hexBytes(signatureText, 64, "signature")) } catch let error as BackupError { throw error } catch { throw bad("signature is not 64 bytes") }
        guard Sodium.constantTimeEqual(signer.bytes, trusted.bytes) else {
            throw bad("signed by \(Hex.encode(signer.bytes)), not by the relay key given (\(Hex.encode(trusted.bytes)))")
        }
        let body = BackupManifest.body(head: LogHead(logID: logID, count: count, chain: chain), headSegment: headSegment,
                                       headOffset: Int(headOffset), created: created, segments: segments, signer: signer)
        guard Array((body + "signature: \(signatureText)\n").utf8) == bytes else { throw bad("the manifest is not in its canonical form") }
        guard trusted.isValidSignature(signature, for: BackupManifest.context + Array(body.utf8)) else {
            throw bad("the signature does not verify: the manifest was changed after the relay signed it")
        }
        head = LogHead(logID: logID, count: count, chain: chain)
        self.headSegment = headSegment
        self.headOffset = Int(headOffset)
        createdMilliseconds = created
        self.segments = segments
        self.signer = signer
        self.signature = signature
    }
}
