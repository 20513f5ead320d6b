import Testing
@testable import WeftIDS
