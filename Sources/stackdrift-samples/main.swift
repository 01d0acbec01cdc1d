import DriftSamples
import Foundation

// Writes the sample reports in Reports/ (the demo fleet, audited deterministically).
// Run from the repository: swift run stackdrift-samples
let root = FileManager.default.currentDirectoryPath
guard FileManager.default.fileExists(atPath: root + "/Examples/demo/inventory.yaml") else {
    FileHandle.standardError.write(Data("stackdrift-samples: run this from the repository's root directory\n".utf8))
    exit(64)
}
do {
    for sample in try SampleReports.render(packageRoot: root) {
        try Data(sample.text.utf8).write(to: URL(fileURLWithPath: root + "/" + sample.path), options: .atomic)
        print("wrote \(sample.path)")
    }
} catch {
    FileHandle.standardError.write(Data("stackdrift-samples: \(error)\n".utf8))
    exit(1)
}
