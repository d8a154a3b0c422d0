using ChatService.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDefaults.Paging;

namespace ChatService.Apis.Paging;

/// <summary>One page of a keyset-paged list: no offset, no count, one extra row to know whether a next page exists.</summary>
public static class KeysetPage
{
    public static async Task<(List<T> Items, string? NextCursor)> ReadAsync<T>(IQueryable<T> query, PageCursor? after, int take,
        bool newestFirst, CancellationToken cancellationToken)
        where T : class, IKeysetItem
    {
        if (after is { } cursor)
        {
            var (at, lastId) = (cursor.At, cursor.Id);
            query = newestFirst
                ? query.Where(x => EF.Functions.LessThan(ValueTuple.Create(x.CreatedAt, x.Id), ValueTuple.Create(at, lastId)))
                : query.Where(x => EF.Functions.GreaterThan(ValueTuple.Create(x.CreatedAt, x.Id), ValueTuple.Create(at, lastId)));
        }

        query = newestFirst
            ? query.OrderByDescending(x => x.CreatedAt).ThenByDescending(x => x.Id)
            : query.OrderBy(x => x.CreatedAt).ThenBy(x => x.Id);
        var items = await query.Take(take + 1).ToListAsync(cancellationToken);
        var next = items.Count > take ? new PageCursor(items[take - 1].CreatedAt, items[take - 1].Id).Encode() : null;
        return (items.Take(take).ToList(), next);
    }
}
