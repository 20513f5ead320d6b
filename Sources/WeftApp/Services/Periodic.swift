import ServiceLifecycle

/// A background service's loop: `pass` every `interval` until the service group shuts
/// down gracefully or the task is cancelled.
enum Periodic {
    static func run(every interval: Duration, _ pass: () async -> Void) async {
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await pass()
                try? await Task.sleep(for: interval)
            }
        } onGracefulShutdown: {}
    }
}
