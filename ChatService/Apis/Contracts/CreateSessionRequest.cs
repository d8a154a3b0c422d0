using System.ComponentModel.DataAnnotations;
namespace ChatService.Apis.Contracts;

public sealed record CreateSessionRequest([MaxLength(300)] string? Title);
