using DistributorService.Data;

namespace DistributorService.Apis;

internal static class DistributionViews
{
    public static DistributionView ToView(this Distribution d, bool withAttempts) => new(
        d.Id, d.EventId, d.DestinationId, d.Status, d.AttemptCount, d.CreatedAt, d.UpdatedAt, d.DeliveredAt, d.NextAttemptAt,
        d.LastStatusCode, d.LastErrorCode, d.LastError,
        withAttempts
            ? d.Attempts.OrderBy(a => a.Number).ThenBy(a => a.Id)
                .Select(a => new AttemptView(a.Number, a.StartedAt, a.DurationMs, a.StatusCode, a.ErrorCode, a.Error)).ToList()
            : null);
}
