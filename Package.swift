// swift-tools-version: 6.1
// Netreach: an event-sourced, end-to-end encrypted messaging relay for netreach outreach.
// Dependencies point one way: CSodium → Sodium → EventLog → NetreachCore → NetreachRelay / NetreachClient → executables.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Netreach",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "netreach-relay", targets: ["netreach-relay"]),
        .executable(name: "netreach", targets: ["netreach"]),
        .library(name: "Sodium", targets: ["Sodium"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "NetreachCore", targets: ["NetreachCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "Sodium", dependencies: ["CSodium"], swiftSettings: strict),
        // CRC-32C with the processor's instruction where there is one (our own C: Swift cannot reach it).
        .target(name: "CCRC32C"),
        .target(name: "EventLog", dependencies: ["Sodium", "CCRC32C"], swiftSettings: strict),
        // The event log in PostgreSQL, for relays that must survive the loss of a machine (docs/LOG-FORMAT.md, "PostgreSQL").
        .target(
            name: "EventLogPostgres",
            dependencies: [
                "EventLog", "Sodium",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Tests only: a PostgreSQL server of the test process's own, started as the postgres user.
        .target(
            name: "PostgresTestSupport",
            dependencies: [
                "EventLog", "EventLogPostgres", "ChildProcess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(name: "NetreachCore", dependencies: ["Sodium", "EventLog"], swiftSettings: strict),
        // Child processes for the tests, the soak and the benchmarks (Foundation's Process can miss an exit on Linux).
        .target(name: "ChildProcess", swiftSettings: strict),
        .target(
            name: "NetreachRelay",
            dependencies: [
                "NetreachCore",
                "EventLog",
                "EventLogPostgres",
                "Sodium",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["Web"],  // the visitor page's files, read at run time (docs/WEB.md)
            swiftSettings: strict
        ),
        .target(
            name: "NetreachClient",
            dependencies: [
                "NetreachCore",
                "EventLog",
                "Sodium",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "NetreachCommandLine",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netreach-relay",
            dependencies: [
                "NetreachRelay",
                "NetreachCore",
                "EventLog",
                "EventLogPostgres",
                "Sodium",
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netreach",
            dependencies: [
                "NetreachClient",
                "NetreachCore",
                "EventLog",
                "Sodium",
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netreach-soak",
            dependencies: [
                "EventLog",
                "EventLogPostgres",
                "PostgresTestSupport",
                .product(name: "Logging", package: "swift-log"),
                "Sodium",
                "NetreachCore",
                "NetreachClient",
                "NetreachCommandLine",
                "ChildProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // libFuzzer harnesses, one file each: built and run only by ops/fuzz (docs/RELIABILITY.md, "Fuzzing");
        // a plain build makes them executables that do nothing.
        .executableTarget(name: "fuzz-eventlog", dependencies: ["EventLog"], swiftSettings: strict),
        .executableTarget(name: "fuzz-wire", dependencies: ["NetreachCore", "Sodium"], swiftSettings: strict),
        .executableTarget(name: "fuzz-keys", dependencies: ["NetreachCore", "Sodium"], swiftSettings: strict),
        .executableTarget(name: "fuzz-phrase", dependencies: ["NetreachCore"], swiftSettings: strict),
        .executableTarget(name: "fuzz-incidents", dependencies: ["NetreachCore"], swiftSettings: strict),
        .executableTarget(name: "fuzz-client", dependencies: ["NetreachCore"], swiftSettings: strict),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(
            name: "netreach-bench",
            dependencies: [
                "EventLog",
                "Sodium",
                "CSQLite",
                "NetreachCommandLine",
                "NetreachCore",
                "NetreachRelay",
                "NetreachClient",
                "ChildProcess",
                "EventLogPostgres",
                "PostgresTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"], swiftSettings: strict),
        .testTarget(
            name: "EventLogPostgresTests",
            dependencies: [
                "EventLog", "EventLogPostgres", "PostgresTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "Sodium"], swiftSettings: strict),
        .testTarget(name: "ProtocolTests", dependencies: ["NetreachCore", "NetreachClient", "EventLog", "Sodium", "ChildProcess"], swiftSettings: strict),
        .testTarget(name: "NetreachCoreTests", dependencies: ["NetreachCore", "Sodium", "ChildProcess"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "NetreachRelay", "NetreachCore", "NetreachClient", "EventLog", "Sodium", "ChildProcess", "EventLogPostgres",
                "PostgresTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "CommandLineTests", dependencies: ["netreach-relay", "netreach", "EventLog", "NetreachClient", "NetreachCore",
                                                      "NetreachRelay", "Sodium", "ChildProcess", "PostgresTestSupport", "EventLogPostgres"],
                    exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
