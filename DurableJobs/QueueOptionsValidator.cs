using Microsoft.Extensions.Options;

namespace DurableJobs;

/// <summary>Rules between <see cref="QueueOptions"/> members that attributes cannot express.</summary>
public sealed class QueueOptionsValidator : IValidateOptions<QueueOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var queue = string.IsNullOrEmpty(name) ? "(unnamed)" : name;
        if (options.DefaultTimeout > options.MaxTimeout)
        {
            failures.Add($"Jobs:Queues:{queue}: DefaultTimeout ({options.DefaultTimeout}) exceeds MaxTimeout ({options.MaxTimeout}).");
        }

        if (options.MaxAttempts > options.MaxAttemptsLimit)
        {
            failures.Add(
                $"Jobs:Queues:{queue}: MaxAttempts ({options.MaxAttempts}) exceeds MaxAttemptsLimit ({options.MaxAttemptsLimit}).");
        }

        if (options.HeartbeatInterval * 2 > options.LeaseDuration)
        {
            failures.Add($"Jobs:Queues:{queue}: HeartbeatInterval ({options.HeartbeatInterval}) must be at most half of LeaseDuration " +
                $"({options.LeaseDuration}) so one missed beat does not lose the lease.");
        }

        if (options.RetryInitialDelay > options.RetryMaxDelay)
        {
            failures.Add($"Jobs:Queues:{queue}: RetryInitialDelay ({options.RetryInitialDelay}) exceeds RetryMaxDelay " +
                $"({options.RetryMaxDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
