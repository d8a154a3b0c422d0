namespace ChatService.Data;

/// <summary>A row listed with keyset paging on (<see cref="CreatedAt"/>, <see cref="Id"/>).</summary>
public interface IKeysetItem
{
    Guid Id { get; }

    DateTimeOffset CreatedAt { get; }
}
