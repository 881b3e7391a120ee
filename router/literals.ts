// A validation rule for literals the gateway's query planner cannot hold as written.
import type { GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError, type ASTNode, type ASTVisitor, type ValidationContext } from 'graphql';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Digits a 64-bit float gives back exactly, whatever the number.
const EXACT_DIGITS = 15;
// Lists and input objects inside one another; the planner's parser stops at 50 open brackets of any
// kind, selection sets and arguments included (at most 12 of those pass the depth limit).
const MAX_NESTING = 8;

/** The significant digits of a float literal (`-0.0120e5` has 3: `120`). */
function significant(value: string): string {
  const mantissa = value.replace(/^-/, '').split(/[eE]/)[0].replace('.', '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '');
}

/** What is wrong with a number literal for the planner, or undefined. */
function fault(kind: 'IntValue' | 'FloatValue', value: string): string | undefined {
  if (kind === 'IntValue') {
    const number = BigInt(value);
    return number < INT64_MIN || number > INT64_MAX ? `The number ${value} is beyond 64 bits` : undefined;
  }
  const number = Number(value);
  if (!Number.isFinite(number) || (number === 0 && significant(value) !== '')) return `The number ${value} is out of range`;
  if (significant(value).length > EXACT_DIGITS) return `The number ${value} has more than ${EXACT_DIGITS} significant digits`;
  return undefined;
}

/** Reports number literals the planner would refuse or change, and literals nested too deep. */
function literalsThePlannerHolds(context: ValidationContext): ASTVisitor {
  const refuse = (message: string, node: ASTNode) =>
    context.reportError(new GraphQLError(`${message}; send it in a variable.`, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } }));
  let nesting = 0;
  const nested = {
    enter(node: ASTNode) {
      nesting += 1;
      if (nesting === MAX_NESTING + 1) refuse(`Lists and objects are nested more than ${MAX_NESTING} deep`, node);
    },
    leave() {
      nesting -= 1;
    },
  };
  return {
    IntValue(node) {
      const message = fault('IntValue', node.value);
      if (message) refuse(message, node);
    },
    FloatValue(node) {
      const message = fault('FloatValue', node.value);
      if (message) refuse(message, node);
    },
    ListValue: nested,
    ObjectValue: nested,
  };
}

/**
 * Refuses, before any planning, an operation with a literal the Rust query planner cannot hold as
 * written: an integer beyond 64 bits or lists and objects nested past its parser's limit (it would
 * fail on the whole operation, and the caller get an internal error), or a float it would round
 * (it holds floats in 64 bits and prints them again for the subgraph, which would be given a number
 * other than the one written). The caller gets BAD_USER_INPUT instead. Variables are not parsed by the
 * planner: they reach the subgraph as sent, to be judged there.
 */
export function useLiteralLimits(): GatewayPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(literalsThePlannerHolds);
    },
  };
}
