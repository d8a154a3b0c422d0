using Microsoft.EntityFrameworkCore;

namespace ServiceDefaults.Tests;

public sealed class EmptyContext(DbContextOptions<EmptyContext> options) : DbContext(options);
