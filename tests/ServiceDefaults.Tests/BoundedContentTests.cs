using ServiceDefaults.Http;

namespace ServiceDefaults.Tests;

public sealed class BoundedContentTests
{
    /// <summary>An endless body that counts what was pulled from it.</summary>
    private sealed class EndlessStream : Stream
    {
        public long Served { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, (byte)'x', offset, count);
            Served += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task An_endless_body_fails_with_response_too_large_after_reading_little_more_than_the_cap()
    {
        var endless = new EndlessStream();
        using var content = new StreamContent(endless);

        var error = await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsBytesAsync(content, 64 * 1024,
            "The test", default));

        Assert.Equal("RESPONSE_TOO_LARGE", error.Code);
        Assert.Contains("The test", error.Message, StringComparison.Ordinal);
        Assert.InRange(endless.Served, 64 * 1024, 64 * 1024 + 64 * 1024);
    }

    [Fact]
    public async Task A_declared_length_over_the_cap_fails_before_reading()
    {
        var endless = new EndlessStream();
        using var content = new StreamContent(endless);
        content.Headers.ContentLength = 10L * 1024 * 1024 * 1024;

        await Assert.ThrowsAsync<ResponseTooLargeException>(() => BoundedContent.ReadAsBytesAsync(content, 1024, "The test", default));
        Assert.Equal(0, endless.Served);
    }

    [Fact]
    public async Task A_body_within_the_cap_is_read_whole()
    {
        using var content = new StringContent("{\"access_token\":\"abc\"}");
        using var document = await BoundedContent.ReadJsonDocumentAsync(content, 1024, "The test", default);
        Assert.Equal("abc", document.RootElement.GetProperty("access_token").GetString());
    }
}
