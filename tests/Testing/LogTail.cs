namespace Testing;

/// <summary>Keeps the last lines a server printed (for failure messages) and mirrors them to a file.</summary>
internal sealed class LogTail(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();
    private string? _filePath;

    public void MirrorTo(string filePath)
    {
        lock (_lock)
        {
            _filePath = filePath;
        }
    }

    public void Append(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }

            if (_filePath is not null)
            {
                try
                {
                    File.AppendAllText(_filePath, line + "\n");
                }
                catch (IOException)
                {
                    // The mirror file is a debugging aid; the in-memory tail still has the line.
                    _filePath = null;
                }
            }
        }
    }

    public string Tail(int maxLines)
    {
        lock (_lock)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - maxLines)));
        }
    }
}
