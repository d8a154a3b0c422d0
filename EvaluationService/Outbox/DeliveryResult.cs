namespace EvaluationService.Outbox;

/// <summary>What happened to one outbox send.</summary>
public sealed record DeliveryResult(bool Sent, bool Permanent, string? Error)
{
    public static readonly DeliveryResult Delivered = new(true, false, null);

    public static DeliveryResult Retry(string error) => new(false, false, error);

    public static DeliveryResult Rejected(string error) => new(false, true, error);
}
