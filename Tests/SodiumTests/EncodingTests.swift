import Sodium
import Testing

@Suite("Base64URL and Hex")
struct EncodingTests {
    @Test("base64url matches Python's urlsafe encoding without padding", arguments: Vectors.shared.base64url)
    func base64KnownAnswer(_ v: Vectors.Base64Vector) throws {
        #expect(Base64URL.encode(v.bytes.bytes) == v.text)
        #expect(try Base64URL.decode(v.text) == v.bytes.bytes)
    }

    @Test("malformed base64url is a typed error",
          arguments: ["A", "AAAAA", "AA==", "AAA=", "AB+/", "a b", "abc\n", "abc!", "é", "\u{0}AAA", "Zm9v YmFy"])
    func base64Malformed(text: String) {
        let error = #expect(throws: SodiumError.self) { try Base64URL.decode(text) }
        #expect(error?.code == .malformedBase64)
    }

    @Test("hex round-trips and accepts upper case")
    func hexRoundTrip() throws {
        let bytes: [UInt8] = [0x00, 0x7f, 0x80, 0xff, 0x10]
        #expect(Hex.encode(bytes) == "007f80ff10")
        #expect(try Hex.decode("007F80FF10") == bytes)
        #expect(try Hex.decode("") == [])
    }

    @Test("malformed hex is a typed error", arguments: ["0", "abc", "zz", "0x00", "00 11", "ab\n"])
    func hexMalformed(text: String) {
        let error = #expect(throws: SodiumError.self) { try Hex.decode(text) }
        #expect(error?.code == .malformedHex)
    }
}
