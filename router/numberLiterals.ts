// A validation rule for number literals the gateway's query planner cannot hold.
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError, type ASTVisitor, type FloatValueNode, type IntValueNode, type ValidationContext } from 'graphql';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Reports each integer literal outside 64 bits and each float literal that overflows to infinity. */
function numberLiteralsInRange(context: ValidationContext): ASTVisitor {
  const refuse = (node: IntValueNode | FloatValueNode) =>
    context.reportError(
      new GraphQLError(`The number ${node.value} is out of range; send it as a string or in a variable.`, {
        nodes: node,
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    );
  return {
    IntValue(node) {
      const value = BigInt(node.value);
      if (value < INT64_MIN || value > INT64_MAX) refuse(node);
    },
    FloatValue(node) {
      if (!Number.isFinite(Number(node.value))) refuse(node);
    },
  };
}

/**
 * Refuses, before any planning, an operation with a number literal the Rust query planner cannot
 * parse: it would fail on the whole operation and the caller would get an internal error. No
 * field of this API takes such a number (a Decimal that large is refused by its subgraph anyway),
 * so the caller gets BAD_USER_INPUT at once. Variables are not parsed by the planner: they pass
 * unchanged, to be judged by the subgraph.
 */
export function useNumberLiteralLimits(): GatewayPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(numberLiteralsInRange);
    },
  };
}
