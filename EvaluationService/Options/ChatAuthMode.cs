namespace EvaluationService.Options;

public enum ChatAuthMode
{
    DevSigningKey,
    StaticToken,
    None,
}
