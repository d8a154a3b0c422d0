using ServiceDefaults.Paging;

namespace ServiceDefaults.Tests;

/// <summary>The one cursor of every list: round trips, and refuses what it did not hand out (another kind of list's too).</summary>
public sealed class PageCursorTests
{
    [Fact]
    public void Time_and_id_cursor_round_trips()
    {
        var cursor = new PageCursor(new DateTimeOffset(2026, 12, 7, 10, 0, 0, 123, TimeSpan.Zero), Guid.CreateVersion7());
        Assert.True(PageCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Fact]
    public void Number_cursor_round_trips()
    {
        Assert.True(PageCursor.TryDecodeNumber(PageCursor.EncodeNumber(42_000_000_000L), out var number));
        Assert.Equal(42_000_000_000L, number);
    }

    [Fact]
    public void A_cursor_of_the_other_kind_is_refused()
    {
        Assert.False(PageCursor.TryDecode(PageCursor.EncodeNumber(7), out _));
        Assert.False(PageCursor.TryDecodeNumber(new PageCursor(DateTimeOffset.UnixEpoch, Guid.NewGuid()).Encode(), out _));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("12_0123456789abcdef0123456789abcdef")]
    [InlineData("%%%")]
    [InlineData("2026-12-07T10:00:00.0000000+00:00")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Garbage_is_refused(string text)
    {
        Assert.False(PageCursor.TryDecode(text, out _));
        Assert.False(PageCursor.TryDecodeNumber(text, out _));
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(0, null, true)]
    [InlineData(201, null, true)]
    [InlineData(10, "garbage", true)]
    [InlineData(10, "", false)]
    public void PageRules_refuse_a_bad_limit_or_cursor(int? limit, string? cursor, bool refused)
    {
        Assert.Equal(refused, PageRules.Check(limit, 200, cursor, out _) is not null);
        Assert.Equal(refused, PageRules.CheckNumber(limit, 200, cursor, out _) is not null);
    }
}
