using ServiceDefaults.Http;

namespace ServiceDefaults.Streaming;

/// <summary>
/// A read-only response body whose every read is bounded by an idle timer and by the caller's bound token, whatever
/// token (often none) the reader passes. The timers are real timers: they fire while the read is blocked, the read is
/// cancelled and the socket handler closes the connection. An idle timeout surfaces as <see cref="TimeoutException"/>,
/// the bound token as <see cref="OperationCanceledException"/> on that token. A body longer than
/// <paramref name="maxBytes"/> fails the read that crosses it with <see cref="ResponseTooLargeException"/>.
/// </summary>
public sealed class WatchdogStream(
    Stream inner, CancellationToken bound, TimeSpan idle, string peer, long maxBytes = long.MaxValue) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        bound.ThrowIfCancellationRequested();
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound);
        watchdog.CancelAfter(idle);
        try
        {
            return Count(await inner.ReadAsync(buffer, watchdog.Token));
        }
        catch (Exception ex) when (watchdog.IsCancellationRequested
                                   && ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            throw Translate(ex, cancellationToken);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Synchronous reads cannot take a token: the timers dispose the stream instead, which ends the blocked read once
    /// SocketsHttpHandler gives up draining the unfinished body (its <c>ResponseDrainTimeout</c>, 2 s by default).
    /// Nothing in this solution reads a response synchronously; this keeps the bound for code that does.
    /// </summary>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        bound.ThrowIfCancellationRequested();
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(bound);
        watchdog.CancelAfter(idle);
        using var abort = watchdog.Token.UnsafeRegister(static s => ((Stream)s!).Dispose(), inner);
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (Exception ex) when (watchdog.IsCancellationRequested
                                   && ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            throw Translate(ex, CancellationToken.None); // why: a synchronous read has no caller token to report
        }
    }

    private int Count(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            // why: the caller disposes the response, which closes the connection with the rest of the body unread
            throw new ResponseTooLargeException($"The response from {peer}", maxBytes, null);
        }

        return read;
    }

    private Exception Translate(Exception ex, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The read was cancelled by its caller.", ex, callerToken);
        }

        if (bound.IsCancellationRequested)
        {
            return new OperationCanceledException($"The read from {peer} was cancelled: its caller's bound fired.", ex, bound);
        }

        return new TimeoutException($"No data from {peer} for {idle.TotalSeconds:0.###} s; the connection was closed.", ex);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
