using System.ComponentModel;

namespace Orchestrator.Actors.Tools.Demo;

public enum Operation
{
    Add,
    Subtract,
    Multiply,
    Divide,
}

public sealed record CalculateArgs(
    [Description("Left operand.")] double A,
    [Description("Right operand.")] double B,
    [Description("What to compute: a + b, a - b, a * b or a / b.")] Operation Operation);

public sealed record Calculation(
    [Description("The operation written out, e.g. \"6 * 7 = 42\".")] string Expression,
    [Description("The result.")] double Result);

/// <summary><c>calculate</c>: one arithmetic operation on two numbers.</summary>
public static class Calculate
{
    public const string Name = "calculate";

    public const string Description =
        "Apply one arithmetic operation (add, subtract, multiply, divide) to two numbers. Fails on division by zero.";

    public static Calculation Run(CalculateArgs args)
    {
        (double raw, string symbol) = args.Operation switch
        {
            Operation.Add => (args.A + args.B, "+"),
            Operation.Subtract => (args.A - args.B, "-"),
            Operation.Multiply => (args.A * args.B, "*"),
            Operation.Divide when args.B == 0 => throw new DivideByZeroException("Cannot divide by zero."),
            Operation.Divide => (args.A / args.B, "/"),
            _ => throw new ArgumentOutOfRangeException(nameof(args), args.Operation, "Unknown operation."),
        };
        double result = DemoNumbers.Tidy(raw);
        string expression =
            $"{DemoNumbers.Show(args.A)} {symbol} {DemoNumbers.Show(args.B)} = {DemoNumbers.Show(result)}";
        return new Calculation(expression, result);
    }
}
