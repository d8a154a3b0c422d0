using System.Diagnostics;
using System.Globalization;

namespace Testing.Tests;

public sealed class ServerRegistryTests
{
    [Fact]
    public async Task Servers_left_by_a_dead_test_process_are_killed_and_their_folders_deleted()
    {
        // A "test process" that already exited, and a "server" it left behind.
        using var deadOwner = Process.Start("true")!;
        await deadOwner.WaitForExitAsync(TestBudget.Token());
        using var orphan = Process.Start("sleep", "300")!;
        try
        {
            var orphanStart = ProcessTree.StartTime(orphan.Id);
            var name = string.Create(CultureInfo.InvariantCulture, $"fake-{deadOwner.Id}-1-{Guid.NewGuid().ToString("N")[..8]}");
            var staging = Path.Combine(Path.GetTempPath(), name);
            Directory.CreateDirectory(staging);
            await File.WriteAllTextAsync(Path.Combine(staging, "server.pid"),
                string.Create(CultureInfo.InvariantCulture, $"{orphan.Id} {orphanStart}"));
            // Appear complete in one step: a sweep started by another test's server must not see a half-written folder.
            Directory.CreateDirectory(ServerRegistry.Root);
            var folder = Path.Combine(ServerRegistry.Root, name);
            Directory.Move(staging, folder);

            ServerRegistry.SweepOrphans();

            await Task.WhenAny(orphan.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(orphan.HasExited, "the orphaned server process was killed by the sweep");
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            orphan.Kill(); // never leave the stand-in behind, whatever the outcome
        }
    }
}
