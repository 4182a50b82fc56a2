/// `Array.withUnsafeBytes` only rethrows untyped errors; this keeps `EventLogError` typed through it.
@inline(__always)
func withBytes<R>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EventLogError) -> R) throws(EventLogError) -> R {
    var outcome: Result<R, EventLogError>?
    array.withUnsafeBytes { buffer in outcome = Result { () throws(EventLogError) in try body(buffer) } }
    return try outcome!.get()
}
