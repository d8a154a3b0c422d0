using System.Globalization;
using System.Runtime.InteropServices;

namespace Testing;

/// <summary>Signals and process-tree discovery through /proc (Linux only, like the servers we start).</summary>
internal static partial class ProcessTree
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserIdNative();

    public static uint EffectiveUserId => GetEffectiveUserIdNative();

    public static bool IsRoot => EffectiveUserId == 0;

    /// <summary>Sends <paramref name="signal"/>; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal) => KillNative(pid, signal) == 0;

    /// <summary>Every live descendant of <paramref name="rootPid"/> (children first level first), excluding the root.</summary>
    public static List<int> Descendants(int rootPid)
    {
        var childrenByParent = new Dictionary<int, List<int>>();
        foreach (var (pid, parent) in EnumerateParents())
        {
            if (!childrenByParent.TryGetValue(parent, out var list))
            {
                list = [];
                childrenByParent[parent] = list;
            }

            list.Add(pid);
        }

        var result = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(rootPid);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            if (!childrenByParent.TryGetValue(current, out var children))
            {
                continue;
            }

            foreach (var child in children)
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z' && stat.Value.State != 'X';
    }

    /// <summary>Kernel start time (clock ticks since boot): with the pid it identifies a process across pid reuse.</summary>
    public static long? StartTime(int pid) => ReadStat(pid)?.StartTime;

    /// <summary>Stops the root first so it cannot fork new children, then SIGKILLs the whole tree.</summary>
    public static List<int> KillTree(int rootPid)
    {
        Signal(rootPid, SigStop);
        var tree = Descendants(rootPid);
        Signal(rootPid, SigKill);
        foreach (var pid in tree)
        {
            Signal(pid, SigKill);
        }

        tree.Add(rootPid);
        return tree;
    }

    /// <summary>SIGSTOPs the root, then its descendants until no new ones appear.</summary>
    public static void StopTree(int rootPid)
    {
        Signal(rootPid, SigStop);
        var stopped = new HashSet<int>();
        for (var round = 0; round < 5; round++)
        {
            var fresh = Descendants(rootPid).Where(stopped.Add).ToList();
            if (fresh.Count == 0)
            {
                return;
            }

            foreach (var pid in fresh)
            {
                Signal(pid, SigStop);
            }
        }
    }

    public static void ContinueTree(int rootPid)
    {
        foreach (var pid in Descendants(rootPid))
        {
            Signal(pid, SigCont);
        }

        Signal(rootPid, SigCont);
    }

    public static async Task WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var remaining = pids.ToList();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            remaining.RemoveAll(pid => !IsAlive(pid));
            if (remaining.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Waits until the root and its descendants report the stopped state, so a pause is in force when it returns.</summary>
    public static async Task WaitUntilStoppedAsync(int rootPid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var pids = Descendants(rootPid);
            pids.Add(rootPid);
            if (pids.All(pid => ReadStat(pid) is not { } stat || stat.State is 'T' or 't' or 'Z' or 'X'))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    private static IEnumerable<(int Pid, int Parent)> EnumerateParents()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var stat = ReadStat(pid);
            if (stat is not null)
            {
                yield return (pid, stat.Value.Parent);
            }
        }
    }

    private static (char State, int Parent, long StartTime)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited between listing and reading: it is simply gone.
            return null;
        }

        // "pid (comm) state ppid ... starttime(22nd)"; comm may contain spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20)
        {
            return null;
        }

        return (fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
