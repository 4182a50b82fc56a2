import Foundation
import NetreachCore
import Testing

@Suite("Wire JSON: the frames' reader and writer")
struct WireJSONTests {
    @Test("reads every kind of value a frame holds")
    func readsValues() throws {
        let fields = try WireJSON.parseObject(
            #" { "t" : "append", "n":42, "big":18446744073709551615, "neg":-1, "frac":1.5, "exp":1e2, "yes":true, "no":false, "none":null, "a":[1,{"b":[]}], "o":{} } "#)
        #expect(fields["t"] == .string("append"))
        #expect(fields["n"] == .unsigned(42))
        #expect(fields["big"] == .unsigned(UInt64.max))
        #expect(fields["neg"] == .otherNumber)
        #expect(fields["frac"] == .otherNumber)
        #expect(fields["exp"] == .otherNumber)
        #expect(fields["yes"] == .bool(true))
        #expect(fields["no"] == .bool(false))
        #expect(fields["none"] == .null)
        #expect(fields["a"] == .nested)
        #expect(fields["o"] == .nested)
        #expect(try WireJSON.parseObject("{}").isEmpty)
        #expect(try WireJSON.parseObject(#"{"x":18446744073709551616}"#)["x"] == .otherNumber)
    }

    @Test("decodes every escape, including surrogate pairs")
    func escapes() throws {
        let fields = try WireJSON.parseObject(#"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 é"}"#)
        #expect(fields["s"] == .string("a\"b\\c/d\u{08}\u{0C}\n\r\t\u{e9}\u{1F600} é"))
    }

    @Test("refuses what is not exactly one JSON object", arguments: [
        "", " ", "[]", "\"s\"", "1", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1}x", "{\"a\":1}{}",
        "{'a':1}", "{a:1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":+1}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"unclosed}", "{\"a\":\"tab\there\"}",
        "{\"a\":1,\"a\":2}", "{\"a\":[[[[1]]]]}", "{\"a\":[1 2]}", "{\"a\":{\"b\"}}", "{\"a\":NaN}", "{\"a\":Infinity}",
    ])
    func refusesMalformed(_ text: String) {
        #expect(throws: ProtocolError.self) { try WireJSON.parseObject(text) }
        do {
            _ = try WireJSON.parseObject(text)
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test("refuses deep nesting without recursing through it")
    func deepNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: ProtocolError.self) { try WireJSON.parseObject(deep) }
        #expect((try? WireJSON.parseObject(#"{"a":[[[1]]]}"#)) != nil)
    }

    @Test("the writer's output reads back the same, with any string, and is valid JSON to Foundation")
    func writerRoundTrip() throws {
        var strings = ["", "plain", "quote \" backslash \\ slash /", "\n\r\t\u{08}\u{0C}\u{00}\u{1F}", "é😀 ⚠︎"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let scalars = (0..<Int.random(in: 0..<20, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x1FFFF, using: &generator)).flatMap { (0xD800...0xDFFF).contains($0.value) ? nil : $0 }
            }
            strings.append(String(String.UnicodeScalarView(scalars)))
        }
        for string in strings {
            var writer = WireJSONWriter()
            writer.field("t", "x")
            writer.field("s", string)
            writer.field("n", UInt64.max)
            writer.field("b", true)
            writer.field("r", nil as String?)
            let text = writer.text
            let fields = try WireJSON.parseObject(text)
            #expect(fields == ["t": .string("x"), "s": .string(string), "n": .unsigned(.max), "b": .bool(true), "r": .null])
            let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(foundation?["s"] as? String == string)
        }
    }

    @Test("agrees with Foundation on generated objects")
    func differential() throws {
        var generator = SystemRandomNumberGenerator()
        let samples: [Any] = ["", "a\"b", "ü\n", 0, 7, 123_456_789_012, true, false, NSNull(), [1, 2], ["k": "v"], 2.5, -3]
        for _ in 0..<300 {
            var object: [String: Any] = [:]
            for index in 0..<Int.random(in: 0..<8, using: &generator) {
                object["f\(index)"] = samples.randomElement(using: &generator)!
            }
            let data = try JSONSerialization.data(withJSONObject: object)
            let fields = try WireJSON.parseObject(String(decoding: data, as: UTF8.self))
            #expect(fields.count == object.count)
            for (name, value) in object {
                switch value {
                case let string as String: #expect(fields[name] == .string(string))
                case is NSNull: #expect(fields[name] == .null)
                case is [Any], is [String: Any]: #expect(fields[name] == .nested)
                case let number as NSNumber:
                    switch String(cString: number.objCType) {
                    case "c": #expect(fields[name] == .bool(number.boolValue))
                    case "d": #expect(fields[name] == .otherNumber)
                    default: #expect(fields[name] == (number.int64Value < 0 ? .otherNumber : .unsigned(number.uint64Value)))
                    }
                default: Issue.record("unexpected sample \(value)")
                }
            }
        }
    }
}
