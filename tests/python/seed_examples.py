"""Runs the boto3 examples of the DynamoDB seed document against a RingDB router.

Usage: RINGDB_ENDPOINT=http://127.0.0.1:PORT python3 tests/python/seed_examples.py

Only operations RingDB implements are used: CreateTable, DescribeTable, ListTables, DeleteTable,
PutItem, GetItem, DeleteItem, UpdateItem, Query, Scan and BatchWriteItem (through batch_writer()).
The seed's TransactWriteItems "bank transfer" is exercised as two conditional UpdateItems, since
RingDB has no transactions. Exits non-zero (AssertionError) on the first failure.
"""

import os
import sys
from datetime import datetime, timedelta
from decimal import Decimal

import boto3
import botocore.exceptions
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get('RINGDB_ENDPOINT')
if not ENDPOINT:
    sys.exit('RINGDB_ENDPOINT is not set')

dynamodb = boto3.resource(
    'dynamodb',
    endpoint_url=ENDPOINT,
    region_name='us-east-1',
    aws_access_key_id='x',
    aws_secret_access_key='y',
)
client = dynamodb.meta.client


def check(label):
    print(f'ok - {label}', flush=True)


def expect_client_error(code, fn, label):
    try:
        result = fn()
    except botocore.exceptions.ClientError as e:
        got = e.response['Error']['Code']
        assert got == code, f'{label}: expected ClientError {code}, got {got}: {e.response["Error"].get("Message")}'
        assert e.response['ResponseMetadata']['HTTPStatusCode'] == 400, \
            f'{label}: expected HTTP 400, got {e.response["ResponseMetadata"]["HTTPStatusCode"]}'
        check(f'{label} -> {code} ({e.response["Error"].get("Message")})')
        return e
    raise AssertionError(f'{label}: expected ClientError {code}, but the call succeeded: {result!r}')


# --- Orders: the seed's create_table with ProvisionedThroughput ---------------------------------

# Create table with provisioned capacity
table = dynamodb.create_table(
    TableName='Orders',
    KeySchema=[
        {'AttributeName': 'user_id', 'KeyType': 'HASH'},
        {'AttributeName': 'order_id', 'KeyType': 'RANGE'}
    ],
    AttributeDefinitions=[
        {'AttributeName': 'user_id', 'AttributeType': 'S'},
        {'AttributeName': 'order_id', 'AttributeType': 'S'}
    ],
    ProvisionedThroughput={
        'ReadCapacityUnits': 100,   # 100 reads/sec
        'WriteCapacityUnits': 50    # 50 writes/sec
    }
)
table.wait_until_exists()
check('create_table Orders + wait_until_exists')

assert table.table_status == 'ACTIVE', f'Orders status {table.table_status!r}'
assert sorted((k['AttributeName'], k['KeyType']) for k in table.key_schema) == [('order_id', 'RANGE'), ('user_id', 'HASH')], \
    f'Orders key schema {table.key_schema!r}'
pt = table.provisioned_throughput or {}
assert pt.get('ReadCapacityUnits') == 100 and pt.get('WriteCapacityUnits') == 50, f'Orders ProvisionedThroughput {pt!r}'
check('Orders describe: ACTIVE, key schema and ProvisionedThroughput 100/50')

desc = client.describe_table(TableName='Orders')['Table']
assert desc['TableName'] == 'Orders', desc
assert desc['TableStatus'] == 'ACTIVE', desc
check('describe_table Orders')

item = {
    'user_id': 'user123',    # Partition key
    'order_id': 'order456',  # Sort key
    'total': Decimal('99.99'),
    'created_at': '2024-01-15T10:30:00Z',
}
put = table.put_item(Item=item)
assert put['ResponseMetadata']['HTTPStatusCode'] == 200, put
check('put_item Orders order456')

# Get single order
response = table.get_item(
    Key={'user_id': 'user123', 'order_id': 'order456'}
)
assert 'Item' in response, f'order456 not found: {response!r}'
assert response['Item'] == item, f'order456 round trip: {response["Item"]!r} != {item!r}'
assert isinstance(response['Item']['total'], Decimal) and response['Item']['total'] == Decimal('99.99'), response['Item']
check('get_item Orders order456 returns the item with total Decimal(99.99)')

response = table.get_item(Key={'user_id': 'user123', 'order_id': 'order999'})
assert 'Item' not in response, f'missing order returned something: {response!r}'
check('get_item of a missing order has no Item')

# --- Orders: batch_writer (more than 25 items) and the seed's key-condition queries -------------

batch_write_calls = []
table.meta.client.meta.events.register(
    'before-parameter-build.dynamodb.BatchWriteItem',
    lambda params, **kwargs: batch_write_calls.append(sum(len(v) for v in params['RequestItems'].values())),
)
# 60 orders for user123, one per day of January and February 2024 (31 + 29 days)
days = [datetime(2024, 1, 1) + timedelta(days=i) for i in range(60)]
items = [{'user_id': 'user123', 'order_id': d.strftime('%Y-%m-%d'), 'total': Decimal(i) + Decimal('0.5')}
         for i, d in enumerate(days)]
assert items[-1]['order_id'] == '2024-02-29', items[-1]

# ✅ Good: Batch write (up to 25 items)
with table.batch_writer() as batch:
    for item in items:
        batch.put_item(Item=item)  # Batched

assert len(batch_write_calls) >= 3 and sum(batch_write_calls) == 60 and max(batch_write_calls) <= 25, \
    f'batch_writer sent BatchWriteItem calls of sizes {batch_write_calls}'
check(f'batch_writer put 60 orders in {len(batch_write_calls)} BatchWriteItem calls {batch_write_calls}')

# Query all orders for user
response = table.query(
    KeyConditionExpression=Key('user_id').eq('user123')
)
ids = [i['order_id'] for i in response['Items']]
assert ids == [i['order_id'] for i in items] + ['order456'], f'query all orders of user123: {ids}'
assert response['Count'] == 61 and 'LastEvaluatedKey' not in response, {k: v for k, v in response.items() if k != 'Items'}
assert response['Items'][0]['total'] == Decimal('0.5') and response['Items'][-1] == {
    'user_id': 'user123', 'order_id': 'order456', 'total': Decimal('99.99'), 'created_at': '2024-01-15T10:30:00Z'}
check('query Key(user_id).eq(user123) returns all 61 orders in sort-key order')

# Query orders in date range
response = table.query(
    KeyConditionExpression=Key('user_id').eq('user123') &
        Key('order_id').between('2024-01-01', '2024-01-31')
)
ids = [i['order_id'] for i in response['Items']]
assert ids == [f'2024-01-{d:02d}' for d in range(1, 32)], f'January orders: {ids}'
check('query Key(user_id).eq & Key(order_id).between(2024-01-01, 2024-01-31) returns the 31 January orders')

# the same range, read back in pages of 10 with ExclusiveStartKey
pages, got, start = [], [], None
while True:
    kwargs = {'ExclusiveStartKey': start} if start else {}
    page = table.query(
        KeyConditionExpression=Key('user_id').eq('user123') & Key('order_id').between('2024-01-01', '2024-01-31'),
        Limit=10, ConsistentRead=True, **kwargs)
    pages.append(page['Count'])
    got += [i['order_id'] for i in page['Items']]
    start = page.get('LastEvaluatedKey')
    if start is None or len(pages) > 10:
        break
    assert start == {'user_id': 'user123', 'order_id': got[-1]}, f'LastEvaluatedKey {start} after {got[-1]}'
assert pages == [10, 10, 10, 1], f'page sizes {pages}'
assert got == [f'2024-01-{d:02d}' for d in range(1, 32)], f'paged January orders: {got}'
check(f'query between with Limit=10 pages through ExclusiveStartKey: page sizes {pages}')

response = table.query(
    KeyConditionExpression=Key('user_id').eq('user123') & Key('order_id').begins_with('2024-02'),
    ScanIndexForward=False, Limit=3, ConsistentRead=True)
assert [i['order_id'] for i in response['Items']] == ['2024-02-29', '2024-02-28', '2024-02-27'], response['Items']
check('query begins_with(2024-02), ScanIndexForward=False, Limit=3 returns the last three February orders')

# --- Users: partition key only, eventually and strongly consistent reads -------------------------

users = dynamodb.create_table(
    TableName='Users',
    KeySchema=[{'AttributeName': 'user_id', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'user_id', 'AttributeType': 'S'}],
    BillingMode='PAY_PER_REQUEST',
)
users.wait_until_exists()
table = users
check('create_table Users + wait_until_exists')

user = {
    'user_id': 'user123',    # Partition key
    'name': 'John Doe',
    'email': 'john@example.com',
    'age': 30,
}
table.put_item(Item=user)
check('put_item Users user123')

# GetItem (fast)
response = table.get_item(Key={'user_id': 'user123'})
assert response.get('Item') == {**user, 'age': Decimal(30)}, f'Users eventual read: {response!r}'
check('get_item Users user123 (eventually consistent)')

# Strongly consistent
response = table.get_item(
    Key={'user_id': 'user123'},
    ConsistentRead=True
)
assert response.get('Item') == {**user, 'age': Decimal(30)}, f'Users strong read: {response!r}'
check('get_item Users user123 ConsistentRead=True')

table.put_item(Item={'user_id': 'user456', 'name': 'Jane Roe', 'email': 'jane@example.com', 'age': 41})
table.put_item(Item={'user_id': 'user789', 'name': 'No Email'})

# Query by email (slow without index)
response = table.scan(
    FilterExpression=Attr('email').eq('john@example.com')
)  # Scans entire table!
assert response['Items'] == [{**user, 'age': Decimal(30)}], f'scan by email: {response["Items"]!r}'
assert response['Count'] == 1 and response['ScannedCount'] == 3, {k: v for k, v in response.items() if k != 'Items'}
check('scan FilterExpression=Attr(email).eq(john@example.com) finds user123 (Count 1, ScannedCount 3)')

response = table.scan(FilterExpression=Attr('email').exists() & Attr('age').gt(35), ConsistentRead=True)
assert [i['user_id'] for i in response['Items']] == ['user456'], response['Items']
check('scan Attr(email).exists() & Attr(age).gt(35) finds user456')

for uid in ('user456', 'user789'):
    table.delete_item(Key={'user_id': uid})

# --- shopping_carts: the seed's Design Challenge cart operations, verbatim ------------------------

carts = dynamodb.create_table(
    TableName='shopping_carts',
    KeySchema=[
        {'AttributeName': 'user_id', 'KeyType': 'HASH'},
        {'AttributeName': 'product_id', 'KeyType': 'RANGE'},
    ],
    AttributeDefinitions=[
        {'AttributeName': 'user_id', 'AttributeType': 'S'},
        {'AttributeName': 'product_id', 'AttributeType': 'S'},
    ],
    BillingMode='PAY_PER_REQUEST',
)
carts.wait_until_exists()
check('create_table shopping_carts + wait_until_exists')

table = dynamodb.Table('shopping_carts')

# 1. Add item to cart (or update quantity)
def add_to_cart(user_id, product_id, quantity, price):
    ttl = int((datetime.now() + timedelta(days=30)).timestamp())
    
    response = table.put_item(
        Item={
            'user_id': user_id,
            'product_id': product_id,
            'quantity': quantity,
            'price': price,
            'added_at': int(datetime.now().timestamp()),
            'ttl': ttl
        }
    )
    return response

# 2. Get entire cart (single-partition query)
def get_cart(user_id):
    response = table.query(
        KeyConditionExpression='user_id = :user_id',
        ExpressionAttributeValues={
            ':user_id': user_id
        }
    )
    return response['Items']

# 3. Remove item from cart
def remove_from_cart(user_id, product_id):
    response = table.delete_item(
        Key={
            'user_id': user_id,
            'product_id': product_id
        }
    )
    return response

# 4. Update quantity
def update_quantity(user_id, product_id, new_quantity):
    response = table.update_item(
        Key={
            'user_id': user_id,
            'product_id': product_id
        },
        UpdateExpression='SET quantity = :qty',
        ExpressionAttributeValues={
            ':qty': new_quantity
        }
    )
    return response

# 5. Checkout (get cart + delete)
def checkout(user_id):
    # Get cart
    cart_items = get_cart(user_id)
    total = sum(item['price'] * item['quantity'] for item in cart_items)
    
    # Delete cart (batch delete)
    with table.batch_writer() as batch:
        for item in cart_items:
            batch.delete_item(
                Key={
                    'user_id': user_id,
                    'product_id': item['product_id']
                }
            )
    
    return {'total': total, 'items': cart_items}


before = int(datetime.now().timestamp())
add_to_cart('user_12345', 'prod_67890', 2, Decimal('29.99'))
add_to_cart('user_12345', 'prod_11111', 1, Decimal('5.00'))
check('add_to_cart x2')

cart = get_cart('user_12345')
assert [(i['product_id'], i['quantity'], i['price']) for i in cart] == [
    ('prod_11111', 1, Decimal('5.00')), ('prod_67890', 2, Decimal('29.99'))], f'get_cart after two adds: {cart!r}'
assert all(i['user_id'] == 'user_12345' for i in cart), cart
check('get_cart returns both cart items in product_id order')
assert get_cart('user_nobody') == [], 'get_cart of an unknown user is not empty'
check('get_cart of an unknown user is []')

got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True).get('Item')
assert got is not None, 'cart item prod_67890 missing after add_to_cart'
assert got['quantity'] == 2 and isinstance(got['quantity'], Decimal), f'quantity {got["quantity"]!r}'
assert got['price'] == Decimal('29.99'), f'price {got["price"]!r}'
assert got['added_at'] >= before, f'added_at {got["added_at"]!r} < {before}'
assert got['ttl'] >= before + 29 * 86400, f'ttl {got["ttl"]!r} is not ~30 days ahead'
check('get_item cart prod_67890: quantity 2, price 29.99, added_at and ttl')

# add_to_cart again replaces the item (put semantics)
add_to_cart('user_12345', 'prod_67890', 5, Decimal('27.50'))
got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True)['Item']
assert got['quantity'] == 5 and got['price'] == Decimal('27.50'), f'updated cart item {got!r}'
check('add_to_cart again overwrites quantity and price')

response = update_quantity('user_12345', 'prod_11111', 4)
assert response['ResponseMetadata']['HTTPStatusCode'] == 200 and 'Attributes' not in response, response
got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ConsistentRead=True)['Item']
assert got['quantity'] == 4 and got['price'] == Decimal('5.00') and 'ttl' in got, f'after update_quantity: {got!r}'
check('update_quantity sets quantity 4 and keeps the other attributes')
response = update_quantity('user_12345', 'prod_11111', 1)
cart = get_cart('user_12345')
assert [(i['product_id'], i['quantity']) for i in cart] == [('prod_11111', 1), ('prod_67890', 5)], cart
check('update_quantity back to 1; get_cart shows quantities 1 and 5')

response = remove_from_cart('user_12345', 'prod_67890')
assert response['ResponseMetadata']['HTTPStatusCode'] == 200, response
assert 'Attributes' not in response, f'ReturnValues NONE returned attributes: {response!r}'
got = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_67890'}, ConsistentRead=True)
assert 'Item' not in got, f'prod_67890 still present after remove_from_cart: {got!r}'
other = table.get_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ConsistentRead=True).get('Item')
assert other is not None and other['price'] == Decimal('5.00'), f'the other cart item was affected: {other!r}'
check('remove_from_cart deletes only prod_67890')

response = remove_from_cart('user_12345', 'prod_does_not_exist')
assert response['ResponseMetadata']['HTTPStatusCode'] == 200, response
check('remove_from_cart of a missing item succeeds')

old = table.delete_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ReturnValues='ALL_OLD')
assert old.get('Attributes', {}).get('product_id') == 'prod_11111', f'ALL_OLD: {old!r}'
assert old['Attributes']['quantity'] == 1 and old['Attributes']['price'] == Decimal('5.00'), f'ALL_OLD: {old!r}'
check('delete_item ReturnValues=ALL_OLD returns the old item')

old = table.delete_item(Key={'user_id': 'user_12345', 'product_id': 'prod_11111'}, ReturnValues='ALL_OLD')
assert 'Attributes' not in old, f'ALL_OLD of a missing item: {old!r}'
check('delete_item ReturnValues=ALL_OLD of a missing item has no Attributes')

# checkout: a cart of three products, one quantity changed with update_quantity
add_to_cart('user_checkout', 'prod_a', 2, Decimal('29.99'))
add_to_cart('user_checkout', 'prod_b', 1, Decimal('0.10'))
add_to_cart('user_checkout', 'prod_c', 1, Decimal('1.005'))
update_quantity('user_checkout', 'prod_b', 3)
add_to_cart('user_other', 'prod_a', 1, Decimal('29.99'))
result = checkout('user_checkout')
# 2 * 29.99 + 3 * 0.10 + 1 * 1.005 = 61.285, exactly (float arithmetic would give 61.285000000000004)
assert isinstance(result['total'], Decimal), f'checkout total is a {type(result["total"]).__name__}'
assert result['total'] == Decimal('61.285'), f'checkout total {result["total"]!r}'
assert [i['product_id'] for i in result['items']] == ['prod_a', 'prod_b', 'prod_c'], result['items']
check(f'checkout total is Decimal({result["total"]}) over 3 items')
cart = get_cart('user_checkout')
assert cart == [], f'cart not empty after checkout: {cart!r}'
check('cart is empty after checkout (batch_writer delete_item)')
cart = get_cart('user_other')
assert [i['product_id'] for i in cart] == ['prod_a'], f'checkout touched another user\'s cart: {cart!r}'
check('checkout leaves other users\' carts alone')
result = checkout('user_checkout')
assert result == {'total': 0, 'items': []}, f'checkout of an empty cart: {result!r}'
check('checkout of an empty cart: total 0, no items')
remove_from_cart('user_other', 'prod_a')

# --- Accounts: the seed's bank transfer as two conditional UpdateItems (no transactions) ---------

accounts = dynamodb.create_table(
    TableName='Accounts',
    KeySchema=[{'AttributeName': 'account_id', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'account_id', 'AttributeType': 'S'}],
    BillingMode='PAY_PER_REQUEST',
)
accounts.wait_until_exists()
accounts.put_item(Item={'account_id': 'account1', 'balance': 150})
accounts.put_item(Item={'account_id': 'account2', 'balance': 0})
check('create_table Accounts; account1 balance 150, account2 balance 0')


def transfer(amount):
    """Debits account1 only if balance >= amount, then credits account2; True if it happened."""
    try:
        # Deduct from sender (conditional check)
        accounts.update_item(
            Key={'account_id': 'account1'},
            UpdateExpression='SET balance = balance - :amount',
            ExpressionAttributeValues={':amount': amount},
            ConditionExpression='balance >= :amount'  # Prevent overdraft
        )
    except ClientError as e:
        if e.response['Error']['Code'] == 'ConditionalCheckFailedException':
            return False
        raise
    # Add to receiver
    accounts.update_item(
        Key={'account_id': 'account2'},
        UpdateExpression='SET balance = balance + :amount',
        ExpressionAttributeValues={':amount': amount}
    )
    return True


def balances():
    return [accounts.get_item(Key={'account_id': a}, ConsistentRead=True)['Item']['balance'] for a in ('account1', 'account2')]


assert transfer(100) is True, 'the first transfer of 100 failed'
assert balances() == [50, 100], f'balances after the first transfer: {balances()}'
check('transfer 100: account1 150 -> 50, account2 0 -> 100')

try:
    accounts.update_item(
        Key={'account_id': 'account1'},
        UpdateExpression='SET balance = balance - :amount',
        ExpressionAttributeValues={':amount': 100},
        ConditionExpression='balance >= :amount',
    )
    raise AssertionError('overdraft update succeeded')
except ClientError as e:
    assert e.response['Error']['Code'] == 'ConditionalCheckFailedException', e.response['Error']
    assert e.response['Error']['Message'] == 'The conditional request failed', e.response['Error']
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 400, e.response['ResponseMetadata']
check('overdraft update_item -> ClientError ConditionalCheckFailedException (The conditional request failed)')

assert transfer(100) is False, 'the second transfer of 100 went through with balance 50'
assert balances() == [50, 100], f'balances after the refused transfer: {balances()}'
check('refused transfer leaves both balances unchanged (receiver not credited)')

assert transfer(Decimal('50')) is True and balances() == [0, 150], f'balances: {balances()}'
check('transfer of exactly the balance succeeds (balance >= :amount): 0 and 150')

# The seed's transaction example also passes ':zero', which its expressions never use; DynamoDB
# refuses unused ExpressionAttributeValues, so that exact request is a ValidationException.
e = expect_client_error('ValidationException',
                    lambda: accounts.update_item(
                        Key={'account_id': 'account1'},
                        UpdateExpression='SET balance = balance - :amount',
                        ExpressionAttributeValues={':amount': 100, ':zero': 0},
                        ConditionExpression='balance >= :amount'),
                    "the seed's update with an unused ':zero' value")
assert e.response['Error']['Message'] == 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:zero}', \
    e.response['Error']
assert balances() == [0, 150], f'the refused request changed a balance: {balances()}'

# --- every attribute type through the resource API -----------------------------------------------

table = users
everything = {
    'user_id': 'all-types',
    'str': 'héllo wörld ✓',
    'empty_str': '',
    'int': Decimal('42'),
    'neg': Decimal('-3.5'),
    'big': Decimal('12345678901234567890123456789012345678'),
    'tiny': Decimal('-0.000000000000000000000000000000000000000000123'),
    'bytes': Binary(b'\x00\x01\xfe\xff'),
    'str_set': {'a', 'b', 'c'},
    'num_set': {Decimal('1'), Decimal('2.5'), Decimal('-3')},
    'bin_set': {Binary(b'\x01'), Binary(b'\x02\x03'), Binary(b'\xff')},
    'map': {'inner': 'x', 'deeper': {'n': Decimal('7'), 'flag': False}, 'empty': {}},
    'list': ['one', Decimal('2'), None, True, [], {'k': 'v'}, Binary(b'\x00')],
    'null': None,
    'true': True,
    'false': False,
}
# raw bytes are accepted as input too and come back as Binary
put_item = dict(everything, raw_bytes=b'\x00raw\xff')
table.put_item(Item=put_item)
got = table.get_item(Key={'user_id': 'all-types'}, ConsistentRead=True).get('Item')
assert got is not None, 'all-types item missing'
expected = dict(everything, raw_bytes=Binary(b'\x00raw\xff'))
for name, value in expected.items():
    assert name in got, f'attribute {name} missing from {sorted(got)}'
    assert got[name] == value, f'attribute {name}: {got[name]!r} != {value!r}'
    assert type(got[name]) is type(value), f'attribute {name}: type {type(got[name]).__name__} != {type(value).__name__}'
assert set(got) == set(expected), f'extra attributes: {set(got) - set(expected)}'
check('every attribute type round trips (S, N, B, SS, NS, BS, M, L, NULL, BOOL)')

assert isinstance(got['str_set'], set) and isinstance(got['num_set'], set) and isinstance(got['bin_set'], set)
assert got['null'] is None and got['true'] is True and got['false'] is False
assert got['bytes'].value == b'\x00\x01\xfe\xff', got['bytes']
check('sets come back as sets, None/True/False as themselves, bytes intact')

# the resource's meta.client converts values to Python types, so use a plain low-level client here
low_level = boto3.client('dynamodb', endpoint_url=ENDPOINT, region_name='us-east-1',
                         aws_access_key_id='x', aws_secret_access_key='y')
raw = low_level.get_item(TableName='Users', Key={'user_id': {'S': 'all-types'}}, ConsistentRead=True)['Item']
for name, tag in [('str', 'S'), ('int', 'N'), ('bytes', 'B'), ('str_set', 'SS'), ('num_set', 'NS'),
                  ('bin_set', 'BS'), ('map', 'M'), ('list', 'L'), ('null', 'NULL'), ('true', 'BOOL')]:
    assert list(raw[name]) == [tag], f'attribute {name} has wire type {list(raw[name])}, expected {tag}'
assert raw['big'] == {'N': '12345678901234567890123456789012345678'}, raw['big']
check('low-level client sees the expected wire types')

# --- client errors -------------------------------------------------------------------------------

expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('NoSuchTable').get_item(Key={'user_id': 'x'}),
                    'get_item on a missing table')
expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('NoSuchTable').put_item(Item={'user_id': 'x'}),
                    'put_item on a missing table')
expect_client_error('ResourceNotFoundException',
                    lambda: client.describe_table(TableName='NoSuchTable'),
                    'describe_table of a missing table')
expect_client_error('ResourceInUseException',
                    lambda: dynamodb.create_table(
                        TableName='Orders',
                        KeySchema=[{'AttributeName': 'user_id', 'KeyType': 'HASH'}],
                        AttributeDefinitions=[{'AttributeName': 'user_id', 'AttributeType': 'S'}],
                        BillingMode='PAY_PER_REQUEST'),
                    'create_table of an existing table')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Orders').put_item(Item={'user_id': 'user123', 'total': Decimal('1')}),
                    'put_item without the sort key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Orders').get_item(Key={'user_id': 'user123'}),
                    'get_item without the sort key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Users').put_item(Item={'name': 'no key'}),
                    'put_item without the partition key')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('Users').put_item(Item={'user_id': Decimal('1')}),
                    'put_item with a key of the wrong type')
expect_client_error('ValidationException',
                    lambda: dynamodb.Table('shopping_carts').delete_item(Key={'product_id': 'p'}),
                    'delete_item without the partition key')

# --- list_tables / delete_table -----------------------------------------------------------------

names = client.list_tables()['TableNames']
for name in ('Accounts', 'Orders', 'Users', 'shopping_carts'):
    assert name in names, f'{name} missing from list_tables: {names}'
assert names == sorted(names), f'list_tables not sorted: {names}'
check(f'list_tables: {names}')

all_names = [t.name for t in dynamodb.tables.all()]
assert {'Orders', 'Users', 'shopping_carts'} <= set(all_names), f'tables.all(): {all_names}'
check('dynamodb.tables.all() lists the tables')

dynamodb.Table('Orders').delete()
dynamodb.Table('Orders').wait_until_not_exists()
check('delete_table Orders + wait_until_not_exists')

expect_client_error('ResourceNotFoundException',
                    lambda: client.describe_table(TableName='Orders'),
                    'describe_table after delete_table')
expect_client_error('ResourceNotFoundException',
                    lambda: dynamodb.Table('Orders').get_item(Key={'user_id': 'user123', 'order_id': 'order456'}),
                    'get_item after delete_table')
names = client.list_tables()['TableNames']
assert 'Orders' not in names, f'Orders still listed after delete: {names}'
check('Orders no longer listed')

for name in ('Accounts', 'Users', 'shopping_carts'):
    client.delete_table(TableName=name)
    client.get_waiter('table_not_exists').wait(TableName=name)
    expect_client_error('ResourceNotFoundException',
                        lambda: client.describe_table(TableName=name),
                        f'describe_table {name} after delete_table')

print('all seed examples passed', flush=True)
