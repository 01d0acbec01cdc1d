internal import CLibSSH2
import Foundation

/// libssh2 must be initialised once per process before sessions are made on several
/// threads at once; a global is initialised exactly once, on first use.
private let libssh2Initialisation: Int32 = libssh2_init(0)

/// One SSH connection through libssh2: the `LIBSSH2_SESSION` over a socket, which is a TCP
/// connection or, behind a `ProxyJump`, one end of a pair relayed through the jump host.
///
/// Every libssh2 call is blocking and bounded by the host's `Deadline`, both in waiting (libssh2's
/// timeout) and in total (`SocketWatch`, which reads and writes the socket); its return code
/// is checked on the spot by `check`, which turns libssh2's own message into a `TransportError`
/// of the matching kind. Channels and SFTP sessions keep their session alive, so it is freed last.
final class LibSSH2Session {
    let handle: OpaquePointer
    let host: String
    let deadline: Deadline
    /// What keeps `descriptor` open: the TCP socket, or the relay through a jump host.
    private let link: AnyObject
    /// The socket libssh2 reads and writes.
    let descriptor: Int32
    private let watch = SocketWatch()
    private var handshaken = false
    /// The time the current operation was given, for timeout messages.
    private var allowed: (seconds: Double, byOverall: Bool) = (0, false)

    convenience init(socket: TCPSocket, host: String, deadline: Deadline) throws(TransportError) {
        try self.init(descriptor: socket.descriptor, link: socket, host: host, deadline: deadline)
    }

    init(descriptor: Int32, link: AnyObject, host: String, deadline: Deadline) throws(TransportError) {
        guard libssh2Initialisation == 0 else {
            throw TransportError(.protocolError, host: host, "libssh2 could not be initialised (libssh2_init returned \(libssh2Initialisation))")
        }
        guard let handle = libssh2_session_init_ex(nil, nil, nil, watch.abstract) else {
            throw TransportError(.protocolError, host: host, "libssh2 could not allocate a session")
        }
        self.handle = handle
        self.link = link
        self.descriptor = descriptor
        self.host = host
        self.deadline = deadline
        SocketWatch.install(on: handle)
        libssh2_session_set_blocking(handle, 1)
    }

    deinit {
        if handshaken {
            // Saying goodbye is a courtesy: a dead connection fails it at once, a silent one within a second.
            armForCleanup()
            _ = libssh2_session_disconnect_ex(handle, SSH_DISCONNECT_BY_APPLICATION, "stackdrift audit done", "")
        }
        _ = libssh2_session_free(handle)
        withExtendedLifetime(link) {}
    }

    /// When the current step (one file: looking at it, opening, every read) began; `nil` between steps.
    private var stepStart: UInt64?

    /// Runs `body` as one step: `timeout:` bounds its calls together, not each of them.
    func step<Result>(_ body: () -> Result) -> Result {
        stepStart = DispatchTime.now().uptimeNanoseconds
        defer { stepStart = nil }
        return body()
    }

    /// Bounds the next blocking call by the step's timeout and the host's overall deadline.
    func arm(path: String? = nil, _ doing: String) throws(TransportError) {
        allowed = try deadline.next(host: host, path: path, doing: doing, stepStartedAt: stepStart)
        libssh2_session_set_timeout(handle, max(1, Int((allowed.seconds * 1000).rounded(.up))))
        watch.operationEnds(in: allowed.seconds)
    }

    /// Lets the session's socket be used until the host's time is up, plus a second for
    /// tidying up: for a jump host's session, whose relay runs as long as the host behind it.
    func armForRelay() {
        libssh2_session_set_timeout(handle, 1000)
        watch.operationEnds(in: max(0, deadline.remaining) + 1)
    }

    /// Gives the next calls one second, past the host's deadline if need be: for tidying up
    /// after a failure (stopping a remote command, saying goodbye), never for reading files.
    func armForCleanup() {
        libssh2_session_set_timeout(handle, 1000)
        watch.operationEnds(in: 1)
    }

    /// Throws the session's last error when `code` is negative (libssh2's convention); returns `code` otherwise.
    @discardableResult
    func check<Code: BinaryInteger>(_ code: Code, path: String? = nil, _ doing: @autoclosure () -> String) throws(TransportError) -> Code {
        guard code < 0 else { return code }
        throw failure(path: path, doing())
    }

    /// The error libssh2 recorded for the last call, with its message, as a `TransportError`.
    func failure(path: String? = nil, _ doing: String) -> TransportError {
        switch watch.refusal {
        case .timedOut?:
            return deadline.timedOut(host: host, path: path, doing: doing, byOverall: allowed.byOverall, seconds: allowed.seconds)
        case .banner(let problem)?:
            return TransportError(.protocolError, host: host, path: path, "\(problem) while \(doing)")
        case nil:
            break
        }
        let (code, detail) = lastError()
        switch code {
        case LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_SOCKET_TIMEOUT:
            return deadline.timedOut(host: host, path: path, doing: doing, byOverall: allowed.byOverall, seconds: allowed.seconds)
        case LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND,
             LIBSSH2_ERROR_BANNER_RECV, LIBSSH2_ERROR_BANNER_SEND, LIBSSH2_ERROR_BAD_SOCKET:
            return TransportError(.dropped, host: host, path: path, "connection dropped while \(doing) (libssh2: \(detail))")
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
            return TransportError(.authentication, host: host, path: path, "\(doing) failed (libssh2: \(detail))")
        default:
            return TransportError(.protocolError, host: host, path: path, "\(doing) failed (libssh2: \(detail))")
        }
    }

    /// libssh2's code and message for the last failure, the message in this project's style.
    func lastError() -> (code: Int32, message: String) {
        var text: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(handle, &text, &length, 0)
        guard let text, length > 0 else { return (code, "error \(code)") }
        var message = String(cString: text)
        if message.hasSuffix(".") { message.removeLast() }
        if let first = message.first, first.isUppercase, message.dropFirst().first?.isLowercase == true {
            message = first.lowercased() + message.dropFirst()
        }
        return (code, message)
    }

    enum Method {
        case keyExchange, hostKey
    }

    /// Offers exactly these algorithms, in this order (libssh2 drops the names it lacks).
    func prefer(_ method: Method, _ names: [String]) throws(TransportError) {
        let (type, doing) = method == .keyExchange ? (LIBSSH2_METHOD_KEX, "choosing key exchange methods")
            : (LIBSSH2_METHOD_HOSTKEY, "choosing host key algorithms")
        try check(libssh2_session_method_pref(handle, type, names.joined(separator: ",")), doing)
    }

    func handshake() throws(TransportError) {
        let doing = "waiting for the SSH handshake (the server accepted the connection but has not completed it)"
        try arm(doing)
        try check(libssh2_session_handshake(handle, descriptor), doing)
        handshaken = true
    }

    /// The key the server proved it holds during the handshake.
    func hostKey() throws(TransportError) -> HostKey {
        var length = 0
        var type: Int32 = 0
        guard let pointer = libssh2_session_hostkey(handle, &length, &type) else {
            throw failure("reading the host key")
        }
        let blob = [UInt8](UnsafeRawBufferPointer(start: pointer, count: length))
        guard let keyType = HostKey.KeyType(libssh2Type: type) else {
            throw TransportError(.protocolError, host: host, "the server offered a host key of a type libssh2 cannot check (\(type))")
        }
        return HostKey(blob: blob, type: keyType)
    }

    /// The authentication methods the server accepts for `user`; `nil` when it let the user in without any.
    func authenticationMethods(user: String) throws(TransportError) -> [String]? {
        try arm("asking which authentication methods the server accepts")
        guard let list = libssh2_userauth_list(handle, user, UInt32(user.utf8.count)) else {
            if libssh2_userauth_authenticated(handle) != 0 { return nil }
            throw failure("asking which authentication methods the server accepts for user '\(user)'")
        }
        return String(cString: list).split(separator: ",").map(String.init)
    }

    var isAuthenticated: Bool { libssh2_userauth_authenticated(handle) != 0 }
}
