/// Every secret written into the demo trees (`Examples/demo/trees`), and the placeholder
/// standing in for one: none may appear in a report, on the terminal or in the database.
package enum DemoFleetSecrets {
    package static let all = [
        "7d1e5c9a3b2f", "a8c2e6f0b4d9", "c4e8a2f61d07", "2b6f0d8e4c1a", "9a3c7e1f5b2d", "5e9b3d7f1a08", "e1d4b7a0c3f6",
        "0b8e2a6c4d1f", "6c0a4e8b2d5f", "2e6a0c4f8b1d", "8f2a6c0e4b7d", "3a7e1c5f9b02", "0c4a8e2f6b1d",
        "4f8b2e6a0d3c9e1f7a5b", "1d5f9b3e7a2c", "6b0e4a8c2f5d", "3f7b1d5a9e2c", "5a9d3f7b1e0c", "9c3e7a1f5b0d",
        "b9f1d3e5a7c2049e6d8f0a1b3c5e7d9f", "NEUTRON_PASS",
    ]
}
