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
            dependencies: ["CEventaxMath", .product(name: "HeapModule", package: "swift-collections")]
        ),
        .executableTarget(
            name: "eventax",
            dependencies: ["Eventax", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "EventaxTests", dependencies: ["Eventax"]),
    ],
    swiftLanguageModes: [.v5]
)
