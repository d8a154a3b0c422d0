namespace SystemTests.Harness;

/// <summary>How a <see cref="TcpFaultProxy"/> treats connections; a switch also applies to connections already open.</summary>
public enum ProxyMode
{
    /// <summary>Transparent pass-through.</summary>
    Pass,

    /// <summary>Every forwarded chunk waits <see cref="TcpFaultProxy.Delay"/> (both directions).</summary>
    Slow,

    /// <summary>Nothing listens: new connections are refused, open ones are reset.</summary>
    Refuse,

    /// <summary>Connections are accepted, then reset (RST) at once; open ones are reset.</summary>
    Reset,

    /// <summary>HTTP dependencies: every request gets <c>500 Internal Server Error</c>; open connections are reset.</summary>
    Http500,

    /// <summary>Connections are accepted and read, nothing is ever answered (as a SIGSTOPped server).</summary>
    Blackhole,
}
