using Testing;

namespace EvaluationService.Tests;

[CollectionDefinition("dependencies")]
public sealed class DependenciesCollection : ICollectionFixture<DependenciesFixture>;
