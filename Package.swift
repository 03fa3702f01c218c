// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Eventax",
    products: [
        .library(name: "Eventax", targets: ["Eventax"]),
        .executable(name: "eventax", targets: ["eventax"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .target(name: "CEventaxMath", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "Eventax",
            dependencies: ["CEventaxMath", .product(name: "HeapModule", package: "swift-collections")],
            // Exclusivity is checked dynamically in debug builds (the tests); release builds skip
            // the per-access runtime checks in the event loop.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "eventax",
            dependencies: ["Eventax", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "EventaxTests", dependencies: ["Eventax"]),
    ],
    swiftLanguageModes: [.v5]
)
