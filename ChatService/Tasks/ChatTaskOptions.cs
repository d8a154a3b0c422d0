using System.ComponentModel.DataAnnotations;

namespace ChatService.Tasks;

/// <summary>Asynchronous chat tasks (section <c>ChatTasks</c>).</summary>
public sealed class ChatTaskOptions
{
    public const string Section = "ChatTasks";

    /// <summary>Tasks running at once in this replica (queue <c>chat-tasks</c>).</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 3;

    /// <summary>Per-task timeout: the task ends <c>timed_out</c> beyond it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;
}
