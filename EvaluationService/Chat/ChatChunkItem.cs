namespace EvaluationService.Chat;

/// <summary>One item of <see cref="ChatChunkPage"/>: <c>{id, index, text, page?, heading?}</c>.</summary>
public sealed record ChatChunkItem(string Id, int Index, string? Text, int? Page, string? Heading);
