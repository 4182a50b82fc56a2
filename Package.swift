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
    ],
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .target(name: "Sodium", dependencies: ["CSodium"], swiftSettings: strict),
        .target(name: "EventLog", dependencies: ["Sodium"], swiftSettings: strict),
        .target(name: "NetreachCore", dependencies: ["Sodium", "EventLog"], swiftSettings: strict),
        .target(name: "NetreachRelay", dependencies: ["NetreachCore", "EventLog"], swiftSettings: strict),
        .target(name: "NetreachClient", dependencies: ["NetreachCore"], swiftSettings: strict),
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
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netreach",
            dependencies: [
                "NetreachClient",
                "NetreachCore",
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "netreach-soak",
            dependencies: [
                "EventLog",
                "Sodium",
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(
            name: "netreach-bench",
            dependencies: [
                "EventLog",
                "Sodium",
                "CSQLite",
                "NetreachCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "Sodium"], swiftSettings: strict),
        .testTarget(name: "ProtocolTests", dependencies: ["NetreachCore", "Sodium"], swiftSettings: strict),
        .testTarget(name: "NetreachCoreTests", dependencies: ["NetreachCore", "Sodium"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "CommandLineTests", dependencies: ["netreach-relay", "netreach", "EventLog"], swiftSettings: strict),
    ]
)
